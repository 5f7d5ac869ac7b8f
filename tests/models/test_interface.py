"""CamFuse and the ONNX runner share one inference interface (models/interface.py)."""

import inspect

import pytest
import torch

from camfuse.models import CamFuse
from camfuse.models.interface import PaintingModel, check_guide
from camfuse.onnx.runner import OnnxModel


def params(fn) -> list[tuple[str, object, object]]:
    sig = inspect.signature(fn)
    return [(p.name, p.kind, p.default) for p in sig.parameters.values() if p.name != "self"]


@pytest.mark.parametrize("impl", [CamFuse.forward, OnnxModel.__call__])
def test_call_signature_is_the_protocols(impl):
    assert params(impl) == params(PaintingModel.__call__)


@pytest.mark.parametrize("impl", [CamFuse.encode_painting, OnnxModel.encode_painting])
def test_encode_painting_signature_is_the_protocols(impl):
    assert params(impl) == params(PaintingModel.encode_painting)


def test_sampling_models_refuse_a_missing_guide(tiny_config):
    cfg = tiny_config.model
    check_guide(cfg, None)  # no sampling path: nothing to check
    sampling = type(cfg)(**{**cfg.__dict__, "sampling": True})
    with pytest.raises(ValueError, match="guide"):
        check_guide(sampling, None)
    check_guide(sampling, torch.zeros(1))

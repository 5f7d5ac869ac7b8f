import json

import pytest

from camfuse.config import CamFuseConfig, load_config, presets
from camfuse.models import CamFuse


@pytest.mark.parametrize("name", ["tiny", "cpu", "paper"])
def test_presets_load_and_round_trip(name):
    cfg = load_config(name)
    assert cfg.name == name
    assert CamFuseConfig.from_dict(json.loads(cfg.to_json())) == cfg
    assert cfg.data.size % 16 == 0


def test_presets_listed():
    assert {"tiny", "cpu", "paper"} <= set(presets())


def test_paper_preset_is_the_paper():
    cfg = load_config("paper")
    assert (cfg.model.backbone, cfg.data.size, cfg.data.frames) == ("resnet50", 256, 8)
    assert not cfg.model.shared_backbone


def test_overrides_coerce_to_field_type():
    assert load_config("tiny", ["train.lr=2e-3"]).train.lr == 0.002
    assert load_config("tiny", ["train.lr=1"]).train.lr == 1.0
    with pytest.raises(ValueError, match="expects a number"):
        load_config("tiny", ["train.lr=fast"])
    with pytest.raises(ValueError, match="expects an integer"):
        load_config("tiny", ["train.max_steps=1.5"])


def test_overrides_parse_types():
    cfg = load_config("tiny", ["train.lr=0.01", "model.attention=eca", "data.painters=[oil, cel]"])
    assert (
        cfg.train.lr == 0.01
        and cfg.model.attention == "eca"
        and cfg.data.painters == ["oil", "cel"]
    )
    assert load_config("tiny", {"model": {"width": 64}}).model.width == 64


@pytest.mark.parametrize(
    "bad, msg",
    [
        (["model.nope=1"], "unknown config field"),
        (["nope.x=1"], "unknown config section"),
        (["model.width"], "of the form"),
    ],
)
def test_bad_overrides(bad, msg):
    with pytest.raises(ValueError, match=msg):
        load_config("tiny", bad)


def test_unknown_preset_and_heads_divisibility(tmp_path):
    with pytest.raises(ValueError, match="unknown preset"):
        load_config("huge")
    with pytest.raises(ValueError, match="divisible"):
        load_config("tiny", ["model.width=31"])
    p = tmp_path / "c.yaml"
    p.write_text("model: {width: 64, heads: 4}\n")
    assert load_config(p).model.width == 64


def test_parameter_counts_grow_with_preset():
    counts = [
        sum(p.numel() for p in CamFuse(load_config(n).model).parameters()) for n in ("tiny", "cpu")
    ]
    assert counts[0] < counts[1]

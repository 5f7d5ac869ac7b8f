"""The interface every compared method implements, and the input handling they share.

A method maps ``(painting, footage, keyframe)`` to painted frames at the footage size. Two roles,
as in the generator (``camfuse.data.synth``): ``keyframe=K`` means the painting is a paint-over of
footage frame K (same framing, resized to the footage if its size differs); ``keyframe=None`` means
it is a style reference of any size, centre-cropped to the footage's aspect before resizing (as
``camfuse render --style`` does), so no method sees a distorted reference.

Methods never modify their inputs and return a new float32 tensor in [0, 1] on the footage's
device, so the evaluation can run them one after another on the same tensors.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor

from ..models.inputs import fit_image


@runtime_checkable
class Method(Protocol):
    name: str  # short id used in reports, e.g. "flow-warp"
    label: str  # human-readable description for report tables

    def __call__(
        self, painting: Tensor, footage: Tensor, *, keyframe: int | tuple[int, ...] | None
    ) -> Tensor:
        """painting (3, Hp, Wp), footage (T, 3, H, W) in [0, 1] -> (T, 3, H, W) in [0, 1].

        Methods with ``multikey = True`` also take several keyframes: ``keyframe`` a tuple of
        frame numbers and ``painting`` (N, 3, Hp, Wp), one paint-over each, in the same order."""
        ...


def check_inputs(painting: Tensor, footage: Tensor, keyframe: int | tuple[int, ...] | None) -> None:
    """ValueError with a message for shapes or keyframes the methods cannot handle."""
    single = keyframe is None or isinstance(keyframe, int)
    keys = (keyframe,) if single else tuple(keyframe)
    shape = (3,) if single else (len(keys), 3)
    if tuple(painting.shape[: len(shape)]) != shape or painting.dim() != len(shape) + 2:
        want = "(3, H, W)" if len(shape) == 1 else f"({len(keys)}, 3, H, W)"
        raise ValueError(f"painting must be {want}, got {tuple(painting.shape)}")
    if footage.dim() != 4 or footage.shape[1] != 3 or footage.shape[0] < 1:
        raise ValueError(f"footage must be (T, 3, H, W) with T >= 1, got {tuple(footage.shape)}")
    for k in keys:
        if k is not None and not 0 <= k < footage.shape[0]:
            raise ValueError(
                f"keyframe {k} is out of range for {footage.shape[0]} frames "
                f"(0..{footage.shape[0] - 1})"
            )


def fit_painting(painting: Tensor, size: tuple[int, int], *, crop: bool) -> Tensor:
    """(3, Hp, Wp) -> new float (3, h, w) at ``size`` (w, h); ``crop`` for the style role.

    ``camfuse.models.inputs.fit_image`` is what the model's pipeline uses, so baselines see the painting
    exactly as the model does (minus uint8 quantisation).
    """
    return fit_image(painting.float(), size, crop=crop).clamp(0, 1)


def from_uint8(images: list[np.ndarray], device: torch.device) -> Tensor:
    """T x uint8 (H, W, 3) -> float (T, 3, H, W) in [0, 1] on ``device``."""
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255
    return x.to(device)

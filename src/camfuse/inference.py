"""How the PyTorch model runs at inference: precision, memory format, compilation.

None of this changes the model's weights or what it computes beyond floating-point tolerance:

- **channels-last** memory: oneDNN's convolutions run faster on NHWC, and the image head's
  full-resolution convolutions have few channels, where NCHW is slowest. Same numbers.
- **bf16 autocast** where the hardware does bf16 natively (CUDA with bf16, or a CPU with
  AVX512-BF16 / AMX, which oneDNN reports). On a CPU without it oneDNN emulates bf16 and is many
  times *slower* than fp32 (measured on this project's AVX2 machine: a ResNet-18 forward went from
  47 ms to 290 ms per 256-px frame), so ``auto`` picks fp32 there. The bf16 result stays within
  0.1 dB PSNR of fp32 (tests/test_inference.py).
- **torch.compile** (optional, ``--compile``): minutes of compilation on first use; worth it only
  for long shots.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import torch

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16")


def bf16_native(device: torch.device) -> bool:
    """True when ``device`` computes bf16 in hardware (not by emulation)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
        return bool(check and check())
    return False


def resolve_precision(name: str, device: torch.device) -> str:
    """``auto`` -> bf16 where native, else fp32; ``bf16`` is honoured even where emulated (slow)."""
    if name not in PRECISIONS:
        raise ValueError(f"unknown precision {name!r}; choose one of {', '.join(PRECISIONS)}")
    if name == "auto":
        return "bf16" if bf16_native(device) else "fp32"
    if name == "bf16" and not bf16_native(device):
        log.warning("bf16 is emulated on this %s: expect it to be slower than fp32", device.type)
    return name


@contextlib.contextmanager
def autocast(device: torch.device, precision: str) -> Iterator[None]:
    """bf16 autocast for ``precision == 'bf16'``, nothing otherwise."""
    if precision == "bf16":
        with torch.autocast(device.type, dtype=torch.bfloat16):
            yield
    else:
        yield


def prepare_for_inference(
    model: torch.nn.Module, *, channels_last: bool = True, compile: bool = False
) -> torch.nn.Module:
    """Eval mode, channels-last weights, optionally compiled ``forward``; returns the model."""
    model.eval()
    if channels_last:
        model.to(memory_format=torch.channels_last)
    if compile:
        model.forward = torch.compile(model.forward, dynamic=False)
    return model


__all__ = ["PRECISIONS", "autocast", "bf16_native", "prepare_for_inference", "resolve_precision"]

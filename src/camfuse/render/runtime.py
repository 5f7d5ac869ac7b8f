"""How a render runs on this machine: device, precision, memory format, compilation, threads.

Devices come from the command line (``--device auto|cpu|cuda|cuda:N|mps``); asking for one this
machine lacks is an error, never a quiet CPU run. None of the rest changes the model's weights or
what it computes beyond floating-point tolerance:

- **channels-last** memory: oneDNN's convolutions run faster on NHWC, and the image head's
  full-resolution convolutions have few channels, where NCHW is slowest. Same numbers.
- **bf16 autocast** where the hardware does bf16 natively (CUDA with bf16, or a CPU with
  AVX512-BF16 / AMX, which oneDNN reports). On a CPU without it oneDNN emulates bf16 and is many
  times *slower* than fp32 (measured on this project's AVX2 machine: a ResNet-18 forward went from
  47 ms to 290 ms per 256-px frame), so ``auto`` picks fp32 there. The bf16 result stays within
  0.1 dB PSNR of fp32 (tests/render/test_precision.py).
- **torch.compile** (optional, ``--compile``): minutes of compilation on first use; worth it only
  for long shots.
- **threads**: OpenMP keeps its default wait policy (spin briefly, then sleep). Making its threads
  sleep at once (``OMP_WAIT_POLICY=PASSIVE``, the default until 2026-12-03) made no measurable
  difference to a paint-over's render, where decode, flow and encode threads share the cores
  with the model (four paired whole-process runs, 256 px and 720p), and doubled the style key's
  optimisation, a long run of small operations (15.4-17.8 s against 6.6-7.8 s on bikes).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

import torch

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16")


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """``auto`` (CUDA if available, else CPU) | ``cpu`` | ``cuda`` | ``cuda:N`` | ``mps``.

    Asking for a device this machine does not have is a ValueError, not a quiet CPU run.
    """
    if isinstance(name, torch.device):
        return name
    s = str(name).strip().lower()
    if s == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if s == "cpu":
        return torch.device("cpu")
    m = re.fullmatch(r"cuda(?::(\d+))?", s)
    if m:
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {name!r} requested but CUDA is not available; use --device cpu"
            )
        index = int(m[1] or 0)
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"device {name!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist"
            )
        return torch.device("cuda", index)
    if s == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ValueError("device 'mps' requested but MPS is not available; use --device cpu")
        return torch.device("mps")
    raise ValueError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps")


def describe_device(device: torch.device) -> str:
    """One line for logs and ``camfuse info``: 'cpu (2 threads)' or 'cuda:0 (NVIDIA ...)'."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return str(device)


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


__all__ = [
    "PRECISIONS",
    "autocast",
    "bf16_native",
    "describe_device",
    "prepare_for_inference",
    "resolve_device",
    "resolve_precision",
]

"""Device strings from the command line -> ``torch.device``; no silent fallback to CPU."""

from __future__ import annotations

import re

import torch


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

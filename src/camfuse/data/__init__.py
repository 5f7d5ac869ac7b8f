"""Synthetic paint-over data: procedural painters, the world/camera/cut-out generator with analytic
ground truth, torch datasets, and fixed splits on disk. See docs/CONTRACT.md (data section)."""

from .datasets import (
    DiskDataset,
    FixedSynthDataset,
    SynthDataset,
    collate,
    train_seed,
    validation_seeds,
)
from .painters import PAINTERS, paint, sample_params
from .splits import write_split
from .synth import generate_sample

__all__ = [
    "PAINTERS",
    "DiskDataset",
    "FixedSynthDataset",
    "SynthDataset",
    "collate",
    "generate_sample",
    "paint",
    "sample_params",
    "train_seed",
    "validation_seeds",
    "write_split",
]

"""Fixed data splits on disk: PNG frames, float16 flow and a manifest, written atomically.

Layout of ``out/``::

    manifest.json              {"format", "version", "size", "frames", "seed", "samples": [...]}
    000000/painting.png
    000000/footage/0000.png ...  000000/target/0000.png ...
    000000/flow.npy            float16 (T-1, 2, S, S), pixels, backward (see synth.py)
    000000/valid/0000.png ...  0/255 grey (stored as RGB), T-1 files
    000000/seen/0000.png ...   0/255 grey, T files: the keyframe showed the pixel (0: style role)

Sample seeds are ``validation_seeds(seed, samples)``; roles and painters cycle so every
(role, painter) pair is covered evenly. ``camfuse.data.datasets.read_manifest`` reads the manifest
back (checked); ``DiskDataset`` reads the samples. Splits written before ``seen/`` existed still
read (``seen`` is None): the manifest format and version are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ..media import staged_output, write_image
from .datasets import FORMAT, VERSION, validation_seeds
from .painters import PAINTERS, get_painter
from .synth import ROLES, generate_sample


def write_split(
    out: Path,
    *,
    samples: int,
    frames: int,
    size: int,
    seed: int,
    painters: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    max_cutouts: int = 3,
    motion: float = 1.0,
    camera_effects: bool = True,
) -> Path:
    """Write ``samples`` clips to ``out`` (which must not exist yet); returns ``out``."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(
            f"split folder exists and is not empty: {out} (remove it or choose another path)"
        )
    names = list(painters) if painters else list(PAINTERS)
    roles = list(roles) if roles else list(ROLES)
    for n in names:
        get_painter(n)
    for r in roles:
        if r not in ROLES:
            raise ValueError(f"unknown role {r!r}; choose from {', '.join(ROLES)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with staged_output(out, "frames", overwrite=True) as tmp:
        tmp.mkdir()
        entries = []
        for i, s in enumerate(validation_seeds(seed, samples)):
            role, painter = roles[i % len(roles)], names[(i // len(roles)) % len(names)]
            sample = generate_sample(
                s,
                size=size,
                frames=frames,
                role=role,
                painters=[painter],
                sources=sources,
                max_cutouts=max_cutouts,
                motion=motion,
                camera_effects=camera_effects,
            )
            entries.append(_write_sample(tmp / f"{i:06d}", sample))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "size": size,
            "frames": frames,
            "seed": seed,
            "samples": entries,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return out  # an empty folder made by the caller was replaced


def _write_sample(d: Path, sample: dict) -> dict:
    for sub in ("footage", "target", "valid", "seen"):
        (d / sub).mkdir(parents=True)
    _png(d / "painting.png", sample["painting"])
    for t, (f, g) in enumerate(zip(sample["footage"], sample["target"], strict=True)):
        _png(d / "footage" / f"{t:04d}.png", f)
        _png(d / "target" / f"{t:04d}.png", g)
    for t, v in enumerate(sample["valid"]):
        _png(d / "valid" / f"{t:04d}.png", v)
    for t, v in enumerate(sample["seen"]):
        _png(d / "seen" / f"{t:04d}.png", v.float())
    np.save(d / "flow.npy", sample["flow"].numpy().astype(np.float16))
    role = {v: k for k, v in ROLES.items()}[int(sample["role"])]
    params = json.loads(sample["params"])
    return {
        "dir": d.name,
        "role": role,
        "keyframe": int(sample["keyframe"]),
        "seed": int(sample["seed"]),
        "painter": sample["painter"],
        "params": params,
    }


def _png(path: Path, img: torch.Tensor) -> None:
    a = (img.clamp(0, 1).permute(1, 2, 0).numpy() * 255.0 + 0.5).astype(np.uint8)
    write_image(path, np.repeat(a, 3, axis=2) if a.shape[2] == 1 else a)  # masks stored as grey RGB

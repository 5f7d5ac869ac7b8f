"""EbSynth (Jamriška et al. 2019, "Stylizing Video by Example") as a compared row, when installed.

EbSynth is not a Python package: the user builds the CLI from github.com/jamriska/ebsynth and
points ``CAMFUSE_EBSYNTH`` at the binary. Each frame t is synthesised on its own from the painted
keyframe, guided by the keyframe's footage -> frame t's footage, the workflow's basic form:

    $CAMFUSE_EBSYNTH -style key.png -guide keyfootage.png frame_t.png -output out_t.png

The keyframe itself is the paint-over (what a user keeps). Caveat: this is the single-guide
CLI call, without the temporal guide, edge/position guides or keyframe blending of the paper's
full pipeline, so it is a lower bound on what EbSynth can do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import torch
from torch import Tensor

from ..media import MediaError, frame_files, read_image
from .rendered import read_folder

ENV = "CAMFUSE_EBSYNTH"


def ebsynth_binary() -> Path | None:
    """The executable ``$CAMFUSE_EBSYNTH`` names, or None when unset or not an executable."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    found = shutil.which(value)
    return Path(found) if found else None


def unavailable_reason() -> str | None:
    if os.environ.get(ENV, "").strip() and ebsynth_binary() is None:
        return f"{ENV}={os.environ[ENV]} is not an executable file"
    if ebsynth_binary() is None:
        return f"set {ENV} to an EbSynth binary (built from github.com/jamriska/ebsynth)"
    return None


class EbSynth:
    name = "ebsynth"
    label = "EbSynth CLI per frame (style = keyframe, guide = keyframe footage -> frame)"
    files = True

    def __init__(self, binary: Path | None = None, *, timeout: float = 3600.0):
        binary = binary or ebsynth_binary()
        if binary is None:
            raise ValueError(f"ebsynth row: {unavailable_reason()}")
        self.binary, self.timeout = Path(binary), timeout

    def from_files(self, painting: Path, footage: Path, *, keyframe: int) -> Tensor:
        frames = frame_files(footage)
        if not 0 <= keyframe < len(frames):
            raise ValueError(f"keyframe {keyframe} is outside the {len(frames)} footage frames")
        with tempfile.TemporaryDirectory(prefix="camfuse-ebsynth-") as tmp:
            out = Path(tmp)
            for t, frame in enumerate(frames):
                target = out / f"{t:05d}.png"
                if t == keyframe:
                    shutil.copyfile(painting, target)
                else:
                    self._run(painting, frames[keyframe], frame, target)
            result = read_folder(out)
        if result.shape[-2:] != torch.Size(read_image(frames[0]).shape[:2]):
            raise MediaError(
                f"ebsynth wrote frames of {tuple(result.shape[-2:])}, not the footage's"
            )
        return result

    def _run(self, style: Path, guide_from: Path, guide_to: Path, out: Path) -> None:
        cmd = [self.binary, "-style", style, "-guide", guide_from, guide_to, "-output", out]
        try:
            proc = subprocess.run(
                [str(c) for c in cmd], capture_output=True, text=True, timeout=self.timeout
            )
        except subprocess.TimeoutExpired:
            raise MediaError(f"ebsynth took over {self.timeout:.0f} s on {guide_to.name}") from None
        if proc.returncode != 0 or not out.is_file():
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise MediaError(
                f"ebsynth failed on {guide_to.name} (exit {proc.returncode}): {last[0]}"
            )

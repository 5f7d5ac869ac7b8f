"""A style reference's palette, applied to finished frames: one fixed colour map per shot.

In the style role the model is trained towards the generator's ground truth: the footage painted
by the same painter as the reference. A painter keeps much of the footage's own colour, so those
frames carry the reference's brushwork but not its palette, while a user who hands over an
artwork expects its colours too (every style-transfer tool transfers them; our MFD metric scores
them). This module moves the colour distribution of the shot onto the painting's with the
iterative distribution transfer of Pitié, Kokaram & Dahyot (ICCV 2005): rotate the RGB cloud,
match each axis's 1-D distribution by quantiles, repeat. It is fitted once, on the first
finished frame, and stored as a sequence of rotations and 1-D monotone maps, so every later frame
goes through exactly the same per-pixel function and the palette cannot flicker.

Caveat: a full distribution match also moves colours the footage barely has; a reference with a
very different palette can push small regions to extreme colours. ``camfuse render --no-palette``
keeps the model's own colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

ITERATIONS = 12  # distribution distance stops falling after ~10 rotations on 256 px frames
QUANTILES = 128  # knots of each 1-D map
MAX_PIXELS = 65536  # subsample larger images (fixed seed): the map is smooth, this is plenty


@dataclass(frozen=True)
class Palette:
    """Per iteration: a rotation (3, 3) and 1-D maps source knots -> target knots (3, QUANTILES)."""

    rotations: torch.Tensor  # (K, 3, 3)
    source: torch.Tensor  # (K, 3, Q)
    target: torch.Tensor  # (K, 3, Q)

    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        """(..., 3, H, W) in [0, 1] -> same shape, clamped to [0, 1]."""
        x = frames.movedim(-3, -1)
        shape = x.shape
        x = x.reshape(-1, 3).float()
        for rot, src, tgt in zip(self.rotations, self.source, self.target, strict=True):
            x = _step(x, rot.to(x.device), src.to(x.device), tgt.to(x.device))
        return x.reshape(shape).clamp(0, 1).movedim(-1, -3).to(frames.dtype)


def fit_palette(source: torch.Tensor, painting: torch.Tensor, *, seed: int = 0) -> Palette:
    """source (3, H, W) finished frame, painting (3, H', W') -> the map moving one onto the other."""
    gen = torch.Generator().manual_seed(seed)
    x, y = (_pixels(im, gen) for im in (source, painting))
    q = torch.linspace(0, 1, QUANTILES, dtype=torch.float32)
    rotations, sources, targets = [], [], []
    for _ in range(ITERATIONS):
        rot, _ = torch.linalg.qr(torch.randn(3, 3, generator=gen))
        src = torch.quantile(x @ rot, q, dim=0).T.contiguous()  # (3, Q)
        tgt = torch.quantile(y @ rot, q, dim=0).T.contiguous()
        x = _step(x, rot, src, tgt)
        rotations.append(rot), sources.append(src), targets.append(tgt)
    return Palette(torch.stack(rotations), torch.stack(sources), torch.stack(targets))


def _pixels(image: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    x = image.detach().float().cpu().reshape(3, -1).T  # (N, 3)
    if x.shape[0] > MAX_PIXELS:
        x = x[torch.randperm(x.shape[0], generator=gen)[:MAX_PIXELS]]
    return x


def _step(x: torch.Tensor, rot: torch.Tensor, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    """Map each rotated axis through its 1-D piecewise-linear map, rotate back, add the change."""
    z = x @ rot  # (N, 3)
    moved = torch.stack([_interp(z[:, i], src[i], tgt[i]) for i in range(3)], dim=1)
    return x + (moved - z) @ rot.T


def _interp(v: torch.Tensor, xp: torch.Tensor, fp: torch.Tensor) -> torch.Tensor:
    """np.interp for torch: piecewise linear through (xp, fp), constant beyond the ends."""
    xp = torch.cummax(xp, dim=0).values  # quantiles are sorted; guard ties from float error
    i = torch.searchsorted(xp, v.contiguous()).clamp(1, xp.numel() - 1)
    x0, x1, f0, f1 = xp[i - 1], xp[i], fp[i - 1], fp[i]
    w = ((v - x0) / (x1 - x0).clamp_min(1e-8)).clamp(0, 1)
    return f0 + w * (f1 - f0)

"""Brush marks where the fill paints: the keyframe's strokes, copied where the footage looks alike.

Where the track holds, the full-size detail layer (:mod:`camfuse.render.detail`) is the carried
paint-over's own detail. Where it does not (content the keyframe never showed, paint untrusted
as stale) the fill paints at the working size, and scaled up that is a soft wash with the
frame's edges: no strokes, no paper (detail ratio 0.65 on the real split, issue 22). EbSynth
(Jamriška et al. 2019) synthesises such regions from patches of the keyframe chosen by the
frame's appearance. This is its cheap, coarse form, for the high frequencies only:

- **match**: the frame and the keyframe's footage are described on a coarse grid of cells
  (:data:`CELL` working-size px each, 32 across at 256 px) by their colours over a 3x3-cell
  window (reduced to :data:`DIMS` principal components) and by the cell's place in the frame
  (:data:`POSITION`, EbSynth's positional guide); every cell the fill paints looks up its nearest
  keyframe cell (exact search, a matrix product). The place breaks the ties of flat regions:
  without it every cell of a white lane matched the same keyframe cell, and that one cell's
  marks repeated as a grid. Cells of 2 px with a 5x5 window (128 across) and a few rounds of
  PatchMatch-style propagation were tried first: a visible grid at the cell period on bikes,
  and slower;
- **hysteresis** over time: a cell keeps the match it had in the previous frame unless the new
  best is clearly better (:data:`COHERENCE`), so the marks do not boil on a still region;
- **copy**: each output pixel takes the keyframe paint-over's detail (itself minus its
  working-size version scaled up) at its own position plus its cell's offset, at full size,
  blended bilinearly between the four nearest cells' offsets (where the offsets agree this is
  an exact copy; where they differ, a soft join instead of a seam), the blend rescaled to the
  samples' local energy (averaging unrelated marks would halve their contrast between cells).

The copy is added where the trust is low: ``out = fill_up + (1 - trust) x copied``
(:meth:`camfuse.render.detail.FullSizePaint.layer`). What it buys is measured in docs/results.md
("Brush marks where the fill paints"). It is computed only where it is added: in blocks of
:data:`TILE` x TILE cells that hold a cell the fill paints or its neighbour (a 24-frame pan at
1920x1080 under cProfile: 0.55 s a frame for the whole frame's copy, 0.14 s in blocks; the frames
differ by 0.002/255 on average, 14/255 at most, at block borders). Memory: the keyframe's cells
and one full-size detail image per keyframe; the queries are searched in chunks.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..guide.merge import MAX_GAIN

# working-size px per matching cell (256 px wide: a 32-cell grid; 20 px at 640, 40 at 1280)
CELL = 8
WINDOW = 3  # cells per side of the window a cell is described by
COHERENCE = 0.25  # the last frame's match is kept if it costs <= 25 % more than the best
POSITION = 3.0  # weight of a cell's place in its descriptor (EbSynth's positional guide)
DIMS = 16  # principal components of the descriptors kept for the search
CHUNK = 2048  # queries per distance block (CHUNK x keyframe cells floats)
TILE = 4  # cells per side of the blocks the copy is computed in (only those the fill paints)
NEED = 0.05  # below this share of the fill a cell is not searched (it shows carried paint)


class StrokeCopy:
    """One keyframe: its footage at the working size (3, h, w) and its paint-over's detail at the
    output size (3, H, W); ``__call__`` copies that detail to a frame (module docstring)."""

    def __init__(self, footage: torch.Tensor, detail: torch.Tensor) -> None:
        self.detail = detail
        keys, self.grid = describe(footage)  # (N, d), (hc, wc)
        self.mean = keys.mean(0)
        # the descriptors' principal axes, fitted on the keyframe: the search runs in DIMS dims
        _, _, vh = torch.linalg.svd(keys - self.mean, full_matrices=False)
        self.axes = vh[:DIMS].T
        self.place = _positions(self.grid, footage.device)
        self.keys = torch.cat([(keys - self.mean) @ self.axes, self.place], 1)
        self.norms = self.keys.square().sum(1)
        self.last: torch.Tensor | None = None  # (hc * wc,) the previous frame's matches
        self.corners = None  # the output pixels' cells, made on first use (_corners)

    def __call__(
        self, frame: torch.Tensor, need: torch.Tensor
    ) -> list[tuple[torch.Tensor, tuple[slice, slice]]]:
        """frame (3, h, w) at the working size, need (1, h, w) in [0, 1] (how much the fill
        paints) -> the copied detail as blocks ``(marks (3, H', W'), (rows, columns) of the
        output)``, one per tile of :data:`TILE` x TILE cells holding a cell the fill paints or
        its neighbour; empty where it paints nowhere. Outside the blocks nothing is copied
        (at 1920x1080 the whole frame's copy took 0.25 s)."""
        queries, grid = describe(frame)
        queries = torch.cat([(queries - self.mean) @ self.axes, self.place], 1)
        if grid != self.grid:
            raise ValueError(f"frame grid {grid} differs from the keyframe's {self.grid}")
        hc, wc = grid
        wanted = F.adaptive_max_pool2d(need[None].float(), grid)[0, 0] > NEED
        match = torch.arange(hc * wc, device=frame.device)  # cells that need none: themselves
        if not bool(wanted.any()):
            self.last = match
            return []
        self.last = match = self._search(queries, wanted.reshape(-1), match)
        cells = torch.arange(hc * wc, device=self.detail.device)
        # offsets in grid_sample's units (align_corners=False: 2 / size per unit of the image)
        off = torch.stack(
            [(match % wc - cells % wc) * (2 / wc), (match // wc - cells // wc) * (2 / hc)]
        ).reshape(2, hc, wc)
        return [self._copy(off, box) for box in _tiles(wanted)]

    def _search(self, queries, wanted, match) -> torch.Tensor:
        idx = wanted.nonzero()[:, 0]
        best = torch.empty_like(idx)
        for s in range(0, len(idx), CHUNK):
            q = queries[idx[s : s + CHUNK]]
            d = torch.addmm(self.norms[None], q, self.keys.T, alpha=-2)  # + |q|^2, the same
            best[s : s + CHUNK] = d.argmin(1)
        match = match.clone()
        match[idx] = best
        cost = lambda m: (queries[idx] - self.keys[m]).square().sum(1)  # noqa: E731
        limit = cost(match[idx]) * (1 + COHERENCE)  # what the last frame's match may cost
        if self.last is not None:  # hysteresis: keep last frame's match unless clearly worse
            keep = cost(self.last[idx]) <= limit
            match[idx] = torch.where(keep, self.last[idx], match[idx])
        return match

    def _copy(self, off: torch.Tensor, cells_box: tuple[slice, slice]):
        """Each output pixel over ``cells_box`` (rows, columns of cells): the detail at its
        position plus its cell's offset (``off`` (2, hc, wc)), bilinear between the four nearest
        cells' offsets. -> (copied (3, H', W'), its (rows, columns) in the output)."""
        H, W = self.detail.shape[-2:]
        if self.corners is None:
            self.corners = _corners(self.grid, (H, W), self.detail.device)
        (gx, gy), corners = self.corners
        (r, c), (ys, xs) = cells_box, _pixels(cells_box, self.grid, (H, W))
        gx, gy = gx[:, xs], gy[ys]
        corners = [((ty[ys], wy[ys]), (tx[xs], wx[xs])) for (ty, wy), (tx, wx) in corners]
        out = self.detail.new_zeros(3, gy.shape[0], gx.shape[1])
        energy = torch.zeros_like(out[:1])  # the samples' weighted local energy
        for (ty, wy), (tx, wx) in corners:
            o = off[:, ty][:, :, tx]  # (2, H, W): each pixel's corner cell's offset
            grid = torch.stack([o[0] + gx, o[1] + gy], dim=-1)[None]
            s = F.grid_sample(
                self.detail[None], grid, mode="bilinear", padding_mode="reflection",
                align_corners=False,
            )[0]  # fmt: skip
            weight = wy[:, None] * wx[None, :]
            out += weight * s
            energy += weight * s.square().mean(0, keepdim=True)
        # unrelated samples averaged lose contrast mid-way between cells, a grid at the cell
        # period: the blend is rescaled to the samples' local energy (as guide.merge does),
        # measured per half cell and scaled up (a blur as wide at full size costs seconds at 720p)
        half = (2 * (r.stop - r.start), 2 * (c.stop - c.start))
        ratio = F.adaptive_avg_pool2d(energy[None], half) / F.adaptive_avg_pool2d(
            out.square().mean(0, keepdim=True)[None], half
        ).clamp_min(1e-8)
        gain = F.interpolate(ratio, size=out.shape[-2:], mode="bilinear", align_corners=False)[0]
        return out * gain.sqrt().clamp(1, MAX_GAIN), (ys, xs)


def _tiles(wanted: torch.Tensor) -> list[tuple[slice, slice]]:
    """(hc, wc) bool cells -> (rows, columns) of cells: per tile of TILE x TILE cells, the box
    of the True cells and their neighbours in it (the bilinear join reaches one cell out)."""
    near = F.max_pool2d(wanted[None, None].float(), 3, 1, 1)[0, 0] > 0
    hc, wc = near.shape
    boxes = []
    for r0 in range(0, hc, TILE):
        for c0 in range(0, wc, TILE):
            tile = near[r0 : r0 + TILE, c0 : c0 + TILE]
            if not bool(tile.any()):
                continue
            rows, cols = tile.any(1).nonzero()[:, 0], tile.any(0).nonzero()[:, 0]
            boxes.append((slice(r0 + int(rows[0]), r0 + int(rows[-1]) + 1),
                          slice(c0 + int(cols[0]), c0 + int(cols[-1]) + 1)))  # fmt: skip
    return boxes


def _pixels(cells: tuple[slice, slice], grid: tuple[int, int], size: tuple[int, int]):
    """Cells (rows, columns) of an (hc, wc) grid -> the output pixels (rows, columns) of an
    (H, W) image they cover; neighbouring boxes of cells get disjoint pixels."""
    (r, c), (hc, wc), (H, W) = cells, grid, size
    span = lambda s, n, N: slice(s.start * N // n, s.stop * N // n)  # noqa: E731
    return span(r, hc, H), span(c, wc, W)


def _corners(grid: tuple[int, int], size: tuple[int, int], device: torch.device):
    """For an (H, W) output over an (hc, wc) grid of cells, per axis (so memory is O(H + W)):
    each pixel's own place in grid_sample's units, ((W,) row, (H, 1) column), and its four
    nearest cell centres as ((row cells (H,), weights (H,)), (column cells (W,), weights (W,)))."""
    (hc, wc), (H, W) = grid, size
    u = (torch.arange(W, device=device) + 0.5) * wc / W - 0.5
    v = (torch.arange(H, device=device) + 0.5) * hc / H - 0.5
    x0, y0 = u.floor().long(), v.floor().long()
    fx, fy = (u - x0).clamp(0, 1), (v - y0).clamp(0, 1)
    rows = [(y0.clamp(0, hc - 1), 1 - fy), ((y0 + 1).clamp(0, hc - 1), fy)]
    cols = [(x0.clamp(0, wc - 1), 1 - fx), ((x0 + 1).clamp(0, wc - 1), fx)]
    gx = ((torch.arange(W, device=device) + 0.5) * 2 / W - 1)[None, :]
    gy = ((torch.arange(H, device=device) + 0.5) * 2 / H - 1)[:, None]
    return (gx, gy), [(r, c) for r in rows for c in cols]


def _positions(grid: tuple[int, int], device: torch.device) -> torch.Tensor:
    """(hc * wc, 2): each cell's place, POSITION x its coordinates in frame widths."""
    hc, wc = grid
    y, x = torch.meshgrid(
        torch.arange(hc, device=device), torch.arange(wc, device=device), indexing="ij"
    )
    return POSITION * torch.stack([x.reshape(-1), y.reshape(-1)], 1).float() / wc


def describe(image: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
    """(3, h, w) -> ((hc * wc, 3 * WINDOW^2) cell descriptors, (hc, wc)): the colours over a
    WINDOW x WINDOW-cell window around each CELL x CELL cell."""
    h, w = image.shape[-2:]
    grid = (max(1, h // CELL), max(1, w // CELL))
    cells = F.adaptive_avg_pool2d(image[None].float(), grid)
    r = WINDOW // 2
    padded = F.pad(cells, (r, r, r, r), mode="replicate")
    feats = F.unfold(padded, WINDOW)[0]  # (3 * WINDOW^2, hc * wc)
    return feats.T.contiguous(), grid


__all__ = ["CELL", "COHERENCE", "StrokeCopy", "describe"]

"""Training losses: one ``nn.Module`` per term; ``CamFuseLoss`` returns ``(total, {name: term})``.

Batches are dicts (``camfuse.data``): ``target`` (B, T, 3, H, W), ``flow`` (B, T-1, 2, H, W),
``valid`` (B, T-1, 1, H, W), ``role`` (B,), ``keyframe`` (B,). A term whose weight is 0 is not
computed at all, which is how the ablations switch it off.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .config import LossConfig
from .guide.warp import backward_warp
from .models.interface import CamFuseOutput
from .models.pretrained import PretrainedFeatures


class ReconstructionL1(nn.Module):
    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (pred - target).abs().mean()


class ReconstructionSSIM(nn.Module):
    """1 - SSIM over every frame (Gaussian window 7 so 32-px test crops still work)."""

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        # imported here: torchmetrics takes seconds to import, and the render's adaptation
        # imports this module for the perceptual loss alone
        from torchmetrics.functional.image import structural_similarity_index_measure

        p, t = (rearrange(x, "b t c h w -> (b t) c h w").float() for x in (pred, target))
        return 1 - structural_similarity_index_measure(p, t, data_range=1.0, kernel_size=7)


class StyleLoss(nn.Module):
    """Gram-matrix distance on multi-scale features of a frozen, fixed-seed random conv net.

    Caveat: Gatys et al. use pretrained VGG features, which cannot be downloaded here. Random
    multi-scale conv features already capture much of a texture's statistics (Ustyuzhaninov et al.,
    "What does it take to generate natural textures?", ICLR 2017); the term is light-weighted and the
    reconstruction terms carry most of the signal since ground truth exists.
    """

    def __init__(self, *, seed: int = 1234, widths: tuple[int, ...] = (32, 64, 96)) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        layers, cin = [], 3
        for cout in widths:
            conv = nn.Conv2d(cin, cout, 3, stride=2, padding=1)
            with torch.no_grad():
                conv.weight.copy_(
                    torch.randn(conv.weight.shape, generator=gen) * (2.0 / (9 * cin)) ** 0.5
                )
                conv.bias.zero_()
            layers.append(conv)
            cin = cout
        self.layers = nn.ModuleList(layers).requires_grad_(False)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for conv in self.layers:
            x = F.relu(conv(x))
            feats.append(x)
        return feats

    @staticmethod
    def gram(f: torch.Tensor) -> torch.Tensor:
        f = f.flatten(2)  # (N, C, HW)
        return f @ f.transpose(1, 2) / f.shape[-1]

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        p, t = (rearrange(x, "b t c h w -> (b t) c h w") for x in (pred, target))
        loss = p.new_zeros(())
        for fp, ft in zip(self.features(p), self.features(t), strict=False):
            loss = loss + (self.gram(fp) - self.gram(ft)).abs().mean()
        return loss


def _images(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) or (B, T, 3, H, W) -> (N, 3, H, W): frames folded into the batch."""
    return rearrange(x, "b t c h w -> (b t) c h w") if x.ndim == 5 else x


class PerceptualLoss(nn.Module):
    """Feature reconstruction loss (Johnson et al., ECCV 2016) on pretrained ImageNet features.

    Per stride s (2, 4, 8, 16 by default): ``weights[s] * mean |φ_s(pred) − φ_s(target)|`` (or the
    squared difference), φ = :class:`~camfuse.models.pretrained.PretrainedFeatures` (EfficientNet-
    Lite0; inputs in [0, 1], normalised inside). Caveat: not VGG, so values are not comparable with
    VGG perceptual losses. Scale at the defaults (a 128-px photograph): about 3 against itself
    brightened by 0.05, about 40 against uniform noise (pixel L1: 0.05 and 0.35).
    """

    def __init__(
        self,
        *,
        strides: tuple[int, ...] = (2, 4, 8, 16),
        weights: tuple[float, ...] | None = None,  # per stride; None: 1 each
        distance: str = "l1",  # "l1" or "mse"
        features: PretrainedFeatures | None = None,  # share one trunk between losses
    ) -> None:
        super().__init__()
        if distance not in ("l1", "mse"):
            raise ValueError(f"distance must be 'l1' or 'mse', got {distance!r}")
        self.features = features if features is not None else PretrainedFeatures(strides=strides)
        self.weights = _stage_weights(weights, self.features.strides)
        self.distance = distance

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        p, t = _images(pred), _images(target)
        if p.shape != t.shape:
            raise ValueError(f"pred {tuple(p.shape)} and target {tuple(t.shape)} differ")
        with torch.no_grad():
            ft = self.features(t)
        loss = p.new_zeros(())
        for w, a, b in zip(self.weights, self.features(p), ft, strict=True):
            d = a - b
            loss = loss + w * (d.abs().mean() if self.distance == "l1" else d.square().mean())
        return loss


class PretrainedStyleLoss(nn.Module):
    """Style distance on pretrained EfficientNet-Lite0 features with activation smoothing (SWAG).

    Wang, Li & Vasconcelos, "Rethinking and Improving the Robustness of Image Style Transfer"
    (CVPR 2021): Gram matrices of non-VGG networks are dominated by a few large activations (low
    entropy), which makes them poor style statistics; their fix (SWAG) is a softmax of the
    activations before the statistics. We take the softmax over channels at each position, at
    temperature ``temperature``, times C: every position then contributes a distribution over
    channels (entries in [0, C], a uniform one maps to 1s), so no single activation can dominate
    the Gram matrix, and (unlike a softmax over all positions) nothing depends on the image size.

    Caveat: the paper's own code normalises over all C·H·W activations at temperature 1. Here that
    fails: EfficientNet-Lite0's stage outputs span about ±40 (ResNet's rectified activations span a
    few units), so exp() at temperature 1 concentrates practically all of the Gram energy in 1% of
    its entries, the opposite of smoothing. Temperature 8, about the outputs' spread on natural
    images, keeps the per-position distributions at 0.95-0.98 of the maximum entropy.

    ``statistics``: ``"gram"`` (Gatys et al., CVPR 2016: E_x[f fᵀ]) or ``"mean_std"`` (per channel
    mean and standard deviation, as AdaIN matches). The distance is the mean absolute difference,
    weighted per stride and summed. The target's statistics are broadcast over the prediction's
    batch when it has one image (a single style reference); sizes may differ.
    """

    def __init__(
        self,
        *,
        strides: tuple[int, ...] = (2, 4, 8, 16),
        weights: tuple[float, ...] | None = None,  # per stride; None: 1 each
        statistics: str = "gram",  # "gram" or "mean_std"
        softmax: bool = True,  # SWAG smoothing; False: raw activations (for comparison)
        temperature: float = 8.0,  # about the activations' spread: exp() stays smooth
        features: PretrainedFeatures | None = None,  # share one trunk between losses
    ) -> None:
        super().__init__()
        if statistics not in ("gram", "mean_std"):
            raise ValueError(f"statistics must be 'gram' or 'mean_std', got {statistics!r}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.features = features if features is not None else PretrainedFeatures(strides=strides)
        self.weights = _stage_weights(weights, self.features.strides)
        self.statistics, self.softmax, self.temperature = statistics, softmax, temperature

    def stats(self, f: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) features -> (N, C, C) Gram matrix or (N, 2C) mean and std."""
        if self.softmax:
            f = f.shape[1] * torch.softmax(f / self.temperature, dim=1)
        if self.statistics == "mean_std":
            return torch.cat([f.mean((2, 3)), f.std((2, 3))], 1)
        f = f.flatten(2)  # (N, C, hw)
        return f @ f.transpose(1, 2) / f.shape[-1]

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        p, t = _images(pred), _images(target)
        if t.shape[0] not in (1, p.shape[0]):
            raise ValueError(f"target has {t.shape[0]} images, pred {p.shape[0]} (or give 1)")
        with torch.no_grad():
            st = [self.stats(f) for f in self.features(t)]
        loss = p.new_zeros(())
        for w, f, s in zip(self.weights, self.features(p), st, strict=True):
            loss = loss + w * (self.stats(f) - s).abs().mean()
        return loss


def _stage_weights(weights: tuple[float, ...] | None, strides: tuple[int, ...]) -> tuple:
    if weights is None:
        return (1.0,) * len(strides)
    if len(weights) != len(strides) or min(weights) < 0:
        raise ValueError(f"need one weight >= 0 per stride {strides}, got {tuple(weights)}")
    return tuple(float(w) for w in weights)


class FeatureAlignmentLoss(nn.Module):
    """The paper's feature alignment loss between the footage path and the painting path.

    The two encoders have separate weights, so nothing makes their features comparable; yet the
    correspondence attention matches footage tokens against painting tokens by dot product. This
    term aligns the two paths' projected stride-16 features in one space:

    - keyframe role: the painting is a paint-over of footage frame k, so position by position it
      shows the same content; we pull ``footage[k](x)`` and ``painting(x)`` together by cosine
      similarity (1 - cos, averaged over positions);
    - every sample: the per-channel mean and standard deviation of the footage tokens and of the
      painting tokens are matched (first and second moments, as in CORAL-style domain alignment),
      which is all that can be asked when the painting is an unrelated artwork.
    """

    def forward(self, align: dict[str, torch.Tensor], role: torch.Tensor) -> torch.Tensor:
        f, p, k = (
            align["footage"],
            align["painting"],
            align["keyframe"],
        )  # (B,T,d,h,w), (B,d,h,w), (B,)
        mf, sf = f.mean(dim=(1, 3, 4)), f.std(dim=(1, 3, 4))
        mp, sp = p.mean(dim=(2, 3)), p.std(dim=(2, 3))
        loss = (mf - mp).pow(2).mean() + (sf - sp).pow(2).mean()
        key = (role == 0) & (k >= 0)
        if key.any() and f.shape[-2:] == p.shape[-2:]:
            idx = key.nonzero()[:, 0]
            fk = f[idx, k[idx]]  # (K, d, h, w) footage features of the painted-over frame
            loss = loss + (1 - F.cosine_similarity(fk, p[idx], dim=1)).mean()
        return loss


class TemporalLoss(nn.Module):
    """Ground-truth-flow consistency: the prediction's change between frames (after warping t-1 onto
    t) must match the ground truth's change, on pixels visible in both frames. Comparing against the
    ground truth's own warping residual removes the interpolation error of the warp itself."""

    def forward(
        self, pred: torch.Tensor, target: torch.Tensor, flow: torch.Tensor, valid: torch.Tensor
    ) -> torch.Tensor:
        if pred.shape[1] < 2:
            return pred.new_zeros(())
        fl = rearrange(flow, "b t c h w -> (b t) c h w")
        prev_p, cur_p = (
            rearrange(x, "b t c h w -> (b t) c h w") for x in (pred[:, :-1], pred[:, 1:])
        )
        prev_t, cur_t = (
            rearrange(x, "b t c h w -> (b t) c h w") for x in (target[:, :-1], target[:, 1:])
        )
        m = rearrange(valid, "b t c h w -> (b t) c h w")
        res_p = cur_p - backward_warp(prev_p, fl)
        res_t = cur_t - backward_warp(prev_t, fl)
        return ((res_p - res_t).abs() * m).sum() / (m.sum() * 3).clamp_min(1.0)


class CamFuseLoss(nn.Module):
    def __init__(self, cfg: LossConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.l1 = ReconstructionL1()
        self.ssim = ReconstructionSSIM()
        self.style = StyleLoss()
        self.align = FeatureAlignmentLoss()
        self.temporal = TemporalLoss()

    def forward(
        self, output: CamFuseOutput, batch: dict
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        pred, target = output.frames.float(), batch["target"].float()
        c = self.cfg
        terms: dict[str, torch.Tensor] = {}
        if c.l1:
            terms["l1"] = self.l1(pred, target)
        if c.ssim:
            terms["ssim"] = self.ssim(pred, target)
        if c.style:
            terms["style"] = self.style(pred, target)
        if c.align:
            terms["align"] = self.align(
                {k: v.float() if v.is_floating_point() else v for k, v in output.align.items()},
                batch["role"],
            )
        if c.temporal:
            terms["temporal"] = self.temporal(
                pred, target, batch["flow"].float(), batch["valid"].float()
            )
        total = sum(getattr(c, name) * value for name, value in terms.items())
        return total, {name: value.detach() for name, value in terms.items()}

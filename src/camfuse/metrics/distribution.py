"""Distribution distances between sets of frames: Fréchet distance (FD / FID) and KID.

FD (Heusel et al. 2017) fits a Gaussian to each set's features and measures
‖μ_r − μ_f‖² + Tr(Σ_r + Σ_f − 2 (Σ_r Σ_f)^½); KID (Bińkowski et al. 2018) is the unbiased MMD²
with the cubic polynomial kernel k(x, y) = (xᵀy / D + 1)³, averaged over random subsets.
Both are computed by torchmetrics from features of an explicit extractor:

- the standard InceptionV3 FID network (pool3, 2048-d) when its weights file is available
  locally: only then is FD the published "FID";
- otherwise the ImageNet EfficientNet-Lite0 that a pip package ships
  (:mod:`camfuse.models.pretrained`), pooled penultimate features: learned image features, so
  its distances rank outputs the way FID's would, but they are not comparable to any published
  FID (another network, another feature space), hence the ``FD*`` label.

Nothing is ever downloaded.
"""

from __future__ import annotations

import copy
import logging
import pickle
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.kid import KernelInceptionDistance

from ..config import value_kind
from ..models.pretrained import NAME as PRETRAINED_NAME
from ..models.pretrained import load_efficientnet_lite0, normalize
from ._common import check_images, single_thread

log = logging.getLogger(__name__)

INCEPTION_FILES = (  # the same weights (hash 6726825d) as pytorch-fid and torch-fidelity name them
    "pt_inception-2015-12-05-6726825d.pth",
    "weights-inception-2015-12-05-6726825d.pth",
)
FALLBACK_SIZE = 224  # px: frames are resized to this square, the fallback network's training size
FALLBACK_CHUNK = 4  # images per fallback forward: memory-bound on CPU, ~3x faster than 32 at once
KID_SUBSET_SIZE = 1000  # the usual default; shrunk to the sample counts when they are smaller
KID_SUBSETS = 100
BATCH = 32  # images per extractor forward


class FeatureExtractor(nn.Module):
    """(N, 3, H, W) floats in [0, 1] -> (N, num_features) features; always in eval mode."""

    name: str
    standard: bool
    num_features: int

    def train(self, mode: bool = True) -> FeatureExtractor:
        return super().train(False)


class InceptionFeatures(FeatureExtractor):
    """The standard FID network: torch-fidelity's InceptionV3 (TF-1 compatible resize to 299)."""

    standard = True
    num_features = 2048

    def __init__(self, *, weights: Path) -> None:
        super().__init__()
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        _check_state_dict(weights)  # torch-fidelity unpickles the file unrestricted: check first
        self.name = f"FID (InceptionV3 pool3, {weights.name})"
        try:
            self.net = FeatureExtractorInceptionV3(
                "inception-v3-compat", ["2048"], feature_extractor_weights_path=str(weights)
            )
        except RuntimeError:  # load_state_dict (strict): names or shapes differ
            raise ValueError(
                f"inception weights file {weights} does not fit the InceptionV3 FID network: "
                f"tensor names or shapes differ (expected {INCEPTION_FILES[0]} or its equal)"
            ) from None
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Round (not truncate as torchmetrics does): 8-bit video frames survive the round trip.
        x = (x.clamp(0, 1) * 255).round().to(torch.uint8)
        return self.net(x)[0].reshape(x.shape[0], -1)


def _check_state_dict(path: Path) -> None:
    """``path`` holds a state dict (names -> tensors), read without running any pickled code."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        reason = f"{type(exc).__name__} on load"
    else:
        if not isinstance(state, dict):
            reason = f"it holds {value_kind(state)}"
        elif not all(isinstance(k, str) and torch.is_tensor(v) for k, v in state.items()):
            reason = "not every entry maps a name to a tensor"
        else:
            return
    raise ValueError(f"inception weights file {path} is not a PyTorch state dict ({reason})")


class PretrainedFallbackFeatures(FeatureExtractor):
    """Fallback: ImageNet EfficientNet-Lite0, globally pooled penultimate features (1280-d).

    Frames are resized (bilinear, antialiased) to ``FALLBACK_SIZE``² and given the network's own
    input scaling (:func:`camfuse.models.pretrained.normalize`); the features are the pooled
    output of its 1x1 head convolution (after batch norm and ReLU6), before the classifier. The
    weights are pinned by sha256, so the numbers are reproducible, but they are FD*, not FID.
    """

    standard = False
    num_features = 1280

    def __init__(self) -> None:
        super().__init__()
        net = copy.deepcopy(load_efficientnet_lite0())  # private: .to() stays local
        self.net = net.to(memory_format=torch.channels_last)  # faster depthwise convs on CPU
        self.name = (
            f"FD-{PRETRAINED_NAME}, pooled 1280-d at {FALLBACK_SIZE} px "
            "(fallback; not comparable to published FID)"
        )
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = (FALLBACK_SIZE, FALLBACK_SIZE)
        feats = []
        for chunk in x.float().split(FALLBACK_CHUNK):
            chunk = F.interpolate(
                chunk, size=size, mode="bilinear", antialias=True, align_corners=False
            ).contiguous(memory_format=torch.channels_last)
            h = self.net.forward_features(normalize(chunk.clamp(0, 1)))  # (n, 1280, 7, 7)
            feats.append(self.net.forward_head(h, pre_logits=True))
        return torch.cat(feats)


def load_extractor(inception_weights: str | Path | None = None) -> FeatureExtractor:
    """The standard FID InceptionV3 when its weights are local, else the documented fallback.

    ``inception_weights``: an explicit weights file (must exist: ``ValueError`` otherwise), or
    None to look for ``pt_inception-2015-12-05-6726825d.pth`` (pytorch-fid) or
    ``weights-inception-2015-12-05-6726825d.pth`` (torch-fidelity) in
    ``torch.hub.get_dir()/checkpoints``. Check ``.standard`` before calling a number FID. The
    fallback's weights come from a pip package; if they are missing or altered,
    :class:`~camfuse.models.pretrained.PretrainedWeightsError` (a one-line ``ValueError``).
    """
    if inception_weights is not None:
        path = Path(inception_weights).expanduser()
        if not path.is_file():
            raise ValueError(f"inception weights not found: {path}")
        return InceptionFeatures(weights=path)
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    for name in INCEPTION_FILES:
        if (cache / name).is_file():
            return InceptionFeatures(weights=cache / name)
    log.warning("no InceptionV3 FID weights in %s: FD*/KID use %s features", cache, PRETRAINED_NAME)
    return PretrainedFallbackFeatures()


class _FrechetDistance(FrechetInceptionDistance):
    """torchmetrics' FD with Tr((Σ_r Σ_f)^½) from symmetric eigendecompositions.

    The eigenvalues of Σ_r Σ_f are those of the symmetric PSD Σ_r^½ Σ_f Σ_r^½, whose eigvalsh is
    several times faster than the general eigvals torchmetrics uses and never yields spurious
    complex parts.
    """

    def compute(self) -> torch.Tensor:
        n_r, n_f = self.real_features_num_samples, self.fake_features_num_samples
        mu_r, mu_f = self.real_features_sum / n_r, self.fake_features_sum / n_f
        cov_r = (self.real_features_cov_sum - n_r * torch.outer(mu_r, mu_r)) / (n_r - 1)
        cov_f = (self.fake_features_cov_sum - n_f * torch.outer(mu_f, mu_f)) / (n_f - 1)
        w, v = torch.linalg.eigh(cov_r)
        root = (v * w.clamp(min=0).sqrt()) @ v.T
        cross = torch.linalg.eigvalsh(root @ cov_f @ root).clamp(min=0).sqrt().sum()
        return (mu_r - mu_f).square().sum() + cov_r.trace() + cov_f.trace() - 2 * cross


class _Given(nn.Module):
    """Identity 'network': features are extracted once and shared by FD and KID."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class DistributionMetrics:
    """Streaming FD + KID between real and generated frames through one feature extractor.

    ``update(images (N, 3, H, W) in [0, 1], real=...)`` as often as needed, then ``compute()`` ->
    {"fd", "kid", "kid_std", "extractor", "standard"}. FD >= 0 (clamped) and KID (≈ >= 0; the unbiased
    estimate can dip below 0) are lower-better; both need >= 2 images per side. KID uses subsets
    of min(n_real, n_fake, ``kid_subset_size``) images with a fixed seed, so it is reproducible.
    """

    def __init__(
        self, extractor: FeatureExtractor, *, kid_subset_size: int = KID_SUBSET_SIZE
    ) -> None:
        if kid_subset_size < 2:
            raise ValueError(f"kid_subset_size must be >= 2, got {kid_subset_size}")
        self.extractor = extractor.eval()
        self.kid_subset_size = kid_subset_size
        given = _Given(extractor.num_features)
        self._fd = _FrechetDistance(feature=given, normalize=True)
        with warnings.catch_warnings():  # "KID stores all features": intended, a few MB
            warnings.simplefilter("ignore", UserWarning)
            self._kid = KernelInceptionDistance(
                feature=given, subsets=KID_SUBSETS, subset_size=kid_subset_size, normalize=True
            )
        self._count = {True: 0, False: 0}

    @torch.no_grad()
    @single_thread()
    def update(self, images: torch.Tensor, *, real: bool) -> None:
        images = check_images(images, "images")
        device = next(self.extractor.parameters()).device
        for chunk in images.split(BATCH):
            feats = self.extractor(chunk.to(device)).double().cpu()
            self._fd.update(feats, real=real)
            self._kid.update(feats, real=real)
        self._count[bool(real)] += images.shape[0]

    def compute(self) -> dict[str, float | str | bool]:
        n_real, n_fake = self._count[True], self._count[False]
        if min(n_real, n_fake) < 2:
            raise ValueError(f"need >= 2 real and fake images, got {n_real} and {n_fake}")
        self._kid.subset_size = min(n_real, n_fake, self.kid_subset_size)
        with single_thread(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # KID's subset draws
            kid, kid_std = self._kid.compute()
            fd = self._fd.compute()
        return {
            "fd": max(0.0, float(fd)),  # same-set FD can round to -1e-4
            "kid": float(kid),
            "kid_std": float(kid_std),
            "extractor": self.extractor.name,
            "standard": self.extractor.standard,
        }

    def reset(self) -> None:
        self._fd.reset()
        self._kid.reset()
        self._count = {True: 0, False: 0}

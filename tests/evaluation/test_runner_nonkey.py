"""PSNR non-key: the keyframe role's PSNR without the painted frame, which methods copy verbatim."""

import torch

from camfuse.evaluation.clips import Clip
from camfuse.evaluation.runner import evaluate


class CopyKeyframe:
    """Exact on the painted frame, a fixed error everywhere else."""

    name = "copy-keyframe"

    def __call__(self, painting, footage, *, keyframe):
        out = (footage * 0 + 0.5).clone()
        if keyframe is not None:
            out[keyframe] = painting
        return out


def clip(keyframe):
    g = torch.Generator().manual_seed(0)
    target = torch.rand(4, 3, 32, 32, generator=g)
    painting = target[keyframe] if keyframe is not None else torch.rand(3, 32, 32, generator=g)
    footage = torch.rand(4, 3, 32, 32, generator=g)
    return Clip("c", painting, footage, target, keyframe, "oil")


def test_psnr_nonkey_leaves_the_painted_frame_out():
    results = evaluate([clip(1), clip(None)], [CopyKeyframe()], reference=False, long_term=2)
    by_group = {r.group: r.metrics for r in results}
    key = by_group["keyframe"]
    target = clip(1).target
    others = torch.cat([target[:1], target[2:]])
    expected = torch.mean(10 * torch.log10(1 / (others - 0.5).pow(2).mean(dim=(1, 2, 3))))
    assert abs(key["psnr_nonkey"] - float(expected)) < 1e-3
    assert key["psnr"] > key["psnr_nonkey"] + 15  # the copied frame (100 dB) lifts the mean
    assert by_group["style"]["psnr_nonkey"] is None  # no painted frame in the style role
    assert by_group["all"]["psnr_nonkey"] == key["psnr_nonkey"]

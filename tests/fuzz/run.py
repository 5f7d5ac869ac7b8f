"""Run N fuzz cases outside pytest and write a summary (the slow variant, with its numbers).

usage: .venv/bin/python -m tests.fuzz.run --cases 300 [--seed-start 0] [--out docs/fuzz-summary.md]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

from .cases import make_base, make_case
from .contract import run_case


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed-start", type=int, default=0)
    ap.add_argument("--out", type=Path, help="markdown summary to write")
    ap.add_argument("--json", type=Path, help="every outcome as JSON")
    args = ap.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        base = make_base(Path(tmp) / "base")
        outcomes = []
        for seed in range(args.seed_start, args.seed_start + args.cases):
            case = make_case(seed, base, Path(tmp) / "cases", signals=True)
            outcomes.append(run_case(case))
            o = outcomes[-1]
            print(f"{seed:4d} {'ok ' if o.ok else 'BAD'} exit {o.code} {o.seconds:5.1f}s {o.case}"
                  + (f"  {o.problems}" if o.problems else ""), flush=True)  # fmt: skip
    minutes = (time.perf_counter() - start) / 60
    kinds = collections.Counter(o.case.split(": ", 1)[1].split(" ")[0] for o in outcomes)
    codes = collections.Counter(o.code for o in outcomes)
    problems = collections.Counter(p.split(":")[0] for o in outcomes for p in o.problems)
    lines = [
        f"- command: `.venv/bin/python -m tests.fuzz.run --cases {args.cases}"
        f" --seed-start {args.seed_start}` ({minutes:.0f} min on this machine)",
        f"- cases: {len(outcomes)}; by kind: "
        + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
        "- exit codes: " + ", ".join(f"{c}: {n}" for c, n in sorted(codes.items(), key=str)),
        f"- tracebacks: {problems['traceback']}, hangs: {problems['hang']}, outputs left after a "
        f"failure: {problems['output left after a failure']}, temporaries left: "
        f"{problems['temporary left']}, changed inputs: {problems['an input changed']}, stray "
        f"stderr: {problems['stray stderr']}",
        f"- cases breaking the contract: {sum(not o.ok for o in outcomes)}",
    ]
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    if args.json:
        args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=1, default=str))
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

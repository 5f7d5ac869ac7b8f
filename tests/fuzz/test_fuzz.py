"""Seeded fuzzing of the command line against the README's contract (tests/fuzz/contract.py).

``make test`` runs a fixed slice of cases (each its own test, so a failure names its case); the
slow variant runs 300. ``python -m tests.fuzz.run --cases 300`` runs the same outside pytest and
writes the summary that docs/reliability.md shows.
"""

from __future__ import annotations

import pytest

from .cases import GENERATORS, make_base, make_case
from .contract import run_case
from .manifests import VARIANTS

QUICK = range(40)  # seeds: most generators appear here; each one is also run once below
QUICK_SIGNALS = (1000, 1001, 1002)  # one interruption case each for SIGINT, SIGTERM and SIGHUP


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return make_base(tmp_path_factory.mktemp("fuzz-base"))


@pytest.mark.parametrize("seed", QUICK)
def test_case_keeps_the_contract(base, tmp_path, seed):
    case = make_case(seed, base, tmp_path, signals=False)
    outcome = run_case(case)
    assert outcome.ok, (case.name, case.argv, outcome.code, outcome.problems)


@pytest.mark.parametrize("gen", [g for g, _ in GENERATORS], ids=lambda g: g.__name__)
def test_every_generator_keeps_the_contract(base, tmp_path, gen):
    """One case of each generator, whatever the weights make of the seeded slice above."""
    import numpy as np

    case = gen(np.random.default_rng(7), base, tmp_path)
    case.dirs = [tmp_path]
    outcome = run_case(case)
    assert outcome.ok, (case.name, case.argv, outcome.code, outcome.problems)


@pytest.mark.parametrize("seed", QUICK_SIGNALS)
def test_interruption_keeps_the_contract(base, tmp_path, seed):
    import numpy as np

    from .cases import interrupted

    d = tmp_path / "case"
    d.mkdir()
    case = interrupted(np.random.default_rng(seed), base, d)
    case.signal = {1000: 2, 1001: 15, 1002: 1}[seed]
    case.dirs = [d]
    outcome = run_case(case)
    assert outcome.ok, (case.name, outcome.code, outcome.problems)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_batch_manifest_keeps_the_contract(base, tmp_path, variant):
    import numpy as np

    from .manifests import batch_manifest

    case = batch_manifest(np.random.default_rng(0), base, tmp_path, variant)
    case.dirs = [tmp_path]
    outcome = run_case(case)
    assert outcome.ok, (case.name, outcome.code, outcome.error, outcome.problems)


@pytest.mark.parametrize("sig", [2, 15, 1])  # SIGINT, SIGTERM, SIGHUP
def test_interrupted_adaptation_keeps_the_contract(base, tmp_path, sig):
    import numpy as np

    from .cases import interrupted_adaptation

    case = interrupted_adaptation(np.random.default_rng(sig), base, tmp_path)
    case.signal, case.expect_code, case.dirs = sig, 128 + sig, [tmp_path]
    outcome = run_case(case)
    assert outcome.ok, (case.name, outcome.code, outcome.problems)


@pytest.mark.slow
def test_300_cases_keep_the_contract(base, tmp_path):
    outcomes = [run_case(make_case(seed, base, tmp_path, signals=True)) for seed in range(300)]
    bad = [(o.case, o.problems) for o in outcomes if not o.ok]
    assert not bad, bad

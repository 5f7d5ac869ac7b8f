import json
import re

import pytest

from camfuse.config import CamFuseConfig, load_config, presets
from camfuse.models import CamFuse


@pytest.mark.parametrize("name", ["tiny", "cpu", "paper"])
def test_presets_load_and_round_trip(name):
    cfg = load_config(name)
    assert cfg.name == name
    assert CamFuseConfig.from_dict(json.loads(cfg.to_json())) == cfg
    assert cfg.data.size % 16 == 0


def test_presets_listed():
    assert {"tiny", "cpu", "paper"} <= set(presets())


def test_paper_preset_is_the_paper():
    cfg = load_config("paper")
    assert (cfg.model.backbone, cfg.data.size, cfg.data.frames) == ("resnet50", 256, 8)
    assert not cfg.model.shared_backbone


def test_overrides_coerce_to_field_type():
    assert load_config("tiny", ["train.lr=2e-3"]).train.lr == 0.002
    assert load_config("tiny", ["train.lr=1"]).train.lr == 1.0
    with pytest.raises(ValueError, match="expects a number"):
        load_config("tiny", ["train.lr=fast"])
    with pytest.raises(ValueError, match="expects an integer"):
        load_config("tiny", ["train.max_steps=1.5"])


def test_overrides_parse_types():
    cfg = load_config("tiny", ["train.lr=0.01", "model.attention=eca", "data.painters=[oil, cel]"])
    assert (
        cfg.train.lr == 0.01
        and cfg.model.attention == "eca"
        and cfg.data.painters == ["oil", "cel"]
    )
    assert load_config("tiny", {"model": {"width": 64}}).model.width == 64


@pytest.mark.parametrize(
    "bad, msg",
    [
        (["model.nope=1"], "unknown config field"),
        (["nope.x=1"], "unknown config section"),
        (["model.width"], "of the form"),
    ],
)
def test_bad_overrides(bad, msg):
    with pytest.raises(ValueError, match=msg):
        load_config("tiny", bad)


def test_unknown_preset_and_heads_divisibility(tmp_path):
    with pytest.raises(ValueError, match="unknown preset"):
        load_config("huge")
    with pytest.raises(ValueError, match="divisible"):
        load_config("tiny", ["model.width=31"])
    p = tmp_path / "c.yaml"
    p.write_text("model: {width: 64, heads: 4}\n")
    assert load_config(p).model.width == 64


def test_parameter_counts_grow_with_preset():
    counts = [
        sum(p.numel() for p in CamFuse(load_config(n).model).parameters()) for n in ("tiny", "cpu")
    ]
    assert counts[0] < counts[1]


# --- validation: every field's type and range, named in the message (issue 12) ---


def _tiny_dict() -> dict:
    return load_config("tiny").to_dict()


def _with(**sections) -> dict:
    d = _tiny_dict()
    for section, values in sections.items():
        d[section].update(values)
    return d


@pytest.mark.parametrize(
    "d, message",
    [
        (_with(data={"frames": 4.5}), "data.frames must be an integer, got 4.5"),
        (_with(data={"frames": "4"}), "data.frames must be an integer, got '4'"),
        (_with(data={"frames": True}), "data.frames must be an integer, got True"),
        (_with(data={"frames": 0}), "data.frames must be >= 1, got 0"),
        (_with(data={"frames": 40}), "data.frames (40) exceeds model.max_frames (32)"),
        (_with(data={"size": "64"}), "data.size must be an integer, got '64'"),
        (_with(data={"size": 40}), "data.size must be a multiple of 16"),
        (_with(data={"size": 0}), "data.size must be in [16, 4096], got 0"),
        (_with(data={"size": 2**40}), "data.size must be in [16, 4096], got 1099511627776"),
        (_with(data={"keyframe_prob": 1.5}), "data.keyframe_prob must be in [0, 1], got 1.5"),
        (_with(data={"painters": "oil"}), "data.painters must be a list of strings, got 'oil'"),
        (_with(data={"sources": [1]}), "data.sources must be a list of strings"),
        (_with(data={"seed": -1}), "data.seed must be >= 0, got -1"),
        (_with(data={"train_split": 3}), "data.train_split must be a string or null, got 3"),
        (_with(model={"heads": 0}), "model.heads must be >= 1, got 0"),
        (_with(model={"reduction": 0}), "model.reduction must be >= 1, got 0"),
        (_with(model={"width": -32}), "model.width must be >= 1, got -32"),
        (_with(model={"mlp_ratio": 0}), "model.mlp_ratio must be > 0, got 0"),
        (_with(model={"decoder_layers": 10**7}), "model.decoder_layers must be in [0, 64]"),
        (_with(model={"dropout": 2.0}), "model.dropout must be in [0, 1], got 2.0"),
        (_with(model={"sampling": "yes"}), "model.sampling must be true or false, got 'yes'"),
        (_with(model={"sampling": 1}), "model.sampling must be true or false, got 1"),
        (_with(model={"attention": "nope"}), "model.attention must be one of se, eca, cbam, none"),
        (_with(model={"backbone": "vgg"}), "model.backbone must be one of resnet10, resnet18"),
        (_with(model={"weighting": None}), "model.weighting must be a string, got None"),
        (_with(model={"decoder": "rnn"}), "model.decoder must be one of transformer, conv"),
        (_with(train={"lr": float("nan")}), "train.lr must be a finite number, got nan"),
        (_with(train={"lr": 10**400}), "train.lr must be a finite number"),
        (_with(train={"lr": 0}), "train.lr must be > 0, got 0"),
        (_with(train={"batch_size": 0}), "train.batch_size must be >= 1, got 0"),
        (_with(loss={"l1": -1.0}), "loss.l1 must be >= 0, got -1.0"),
        (_with(model={"nope": 1}), "unknown config field(s) ['nope'] in model"),
        ({**_tiny_dict(), "name": 3}, "name must be a string, got 3"),
        ({**_tiny_dict(), "model": []}, "config section 'model' must be a mapping, got a list"),
        ({**_tiny_dict(), "data": None}, "config section 'data' must be a mapping, got null"),
        ({**_tiny_dict(), "loss": "x"}, "config section 'loss' must be a mapping, got a string"),
        ([], "config must be a mapping, got a list"),
        (None, "config must be a mapping, got null"),
        ("tiny", "config must be a mapping, got a string"),
    ],
)
def test_from_dict_rejects_bad_types_and_values(d, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        CamFuseConfig.from_dict(d)


@pytest.mark.parametrize("section", ["model", "data", "loss", "train"])
def test_every_field_is_type_checked(section):
    """A value of the wrong type in any field is named, whatever that field's type is."""
    for name in _tiny_dict()[section]:
        with pytest.raises(ValueError, match=f"{section}.{name} must be"):
            CamFuseConfig.from_dict(_with(**{section: {name: {"a": 1}}}))


def test_ints_are_accepted_as_floats_and_stored_as_floats():
    cfg = CamFuseConfig.from_dict(_with(train={"lr": 1}, model={"mlp_ratio": 3}))
    assert cfg.train.lr == 1.0 and isinstance(cfg.train.lr, float)
    assert isinstance(cfg.model.mlp_ratio, float)


def test_sections_validate_when_built_directly():
    from camfuse.config import DataConfig, ModelConfig

    with pytest.raises(ValueError, match="model.heads must be >= 1"):
        ModelConfig(heads=0)
    with pytest.raises(ValueError, match="data.frames must be an integer"):
        DataConfig(frames=2.0)
    with pytest.raises(ValueError, match="model must be a ModelConfig"):
        CamFuseConfig(model={"width": 8})


def test_config_enumerations_match_the_model_registries():
    """config.py cannot import models/ (it is the bottom layer): its name lists must agree."""
    from camfuse import config
    from camfuse.models import ATTENTION, BACKBONES, DECODERS
    from camfuse.models.fusion import WEIGHTINGS

    assert set(config.BACKBONES) == set(BACKBONES)
    assert set(config.ATTENTIONS) == set(ATTENTION)
    assert set(config.WEIGHTINGS) == set(WEIGHTINGS)
    assert set(config.DECODERS) == set(DECODERS)


@pytest.mark.parametrize(
    "text, message",
    [
        ("model: {width: [\n", "is not valid YAML"),
        ("- model\n- data\n", "must be a mapping, got a list"),
        ("42\n", "must be a mapping, got an integer"),
        ("[" * 100_000 + "]" * 100_000, "is not valid YAML"),
        ("model: {heads: 0}\n", "model.heads must be >= 1, got 0"),
        ("model:\n", "config section 'model' must be a mapping, got null"),
        ("train: {lr: 2e-3}\n", None),  # YAML 1.1 reads 2e-3 as a string; a config means a number
    ],
)
def test_load_config_rejects_bad_files(tmp_path, text, message):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    if message is None:
        assert load_config(p).train.lr == 0.002
        return
    with pytest.raises(ValueError, match=message):
        load_config(p)


def test_load_config_rejects_unreadable_paths(tmp_path):
    with pytest.raises(ValueError, match="config file not found"):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ValueError, match="config file not found"):
        load_config(tmp_path / "dir.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00model")
    with pytest.raises(ValueError, match="is not valid YAML"):
        load_config(tmp_path / "bin.yaml")


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.width=[1", "is not valid YAML"),
        ("model.heads=0", "model.heads must be >= 1, got 0"),
        ("model.sampling=maybe", "model.sampling must be true or false"),
        ("data.painters=oil", "data.painters must be a list of strings"),
    ],
)
def test_bad_override_values(override, message):
    with pytest.raises(ValueError, match=message):
        load_config("tiny", [override])


@pytest.mark.parametrize(
    "text",
    ["model: {width: [\n", "- a\n- b\n", "42\n", "model: {heads: 0}\n", None],
    ids=["unparsable", "list", "scalar", "bad-value", "missing"],
)
def test_train_with_a_bad_preset_is_one_line(tmp_path, capsys, text):
    from camfuse.cli import main

    preset = tmp_path / "bad.yaml"
    if text is not None:
        preset.write_text(text)
    code = main(["train", "--preset", str(preset), "--out", str(tmp_path / "run")])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and not (tmp_path / "run").exists()

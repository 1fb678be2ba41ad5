from __future__ import annotations

from pathlib import Path

import pytest

from evalpipe.inference.backends import make_backend
from evalpipe.inference.systems import (
    SystemConfigError,
    baseline_system,
    load_systems,
    parse_system,
    system_fingerprint,
)

REPO = Path(__file__).resolve().parents[2]


def _raw(**kw):
    raw = {
        "backend": "transformers",
        "model": "smollm2-135m-instruct",
        "template": {"name": "t", "version": "1", "system_prompt": "Be brief."},
        "decoding": {"max_new_tokens": 16},
        "options": {"batch_size": 8},
    }
    raw.update(kw)
    return raw


def test_shipped_systems_file():
    systems = load_systems(REPO / "data" / "systems.yaml")
    assert set(systems) >= {"baseline", "candidate"}
    base, cand = systems["baseline"], systems["candidate"]
    assert baseline_system(systems) is base
    assert base.model == cand.model == "smollm2-135m-instruct" and base.backend == "transformers"
    assert base.decoding == cand.decoding
    assert base.template.system_prompt != cand.template.system_prompt
    assert base.fingerprint != cand.fingerprint
    assert len(base.fingerprint) == 32 and int(base.fingerprint, 16) >= 0


def test_commented_examples_parse():
    """The commented vLLM / OpenAI examples in systems.yaml are valid once uncommented."""
    import yaml

    text = (REPO / "data" / "systems.yaml").read_text()
    lines = [ln[4:] for ln in text.splitlines() if ln.startswith("  # ") and not ln.startswith("  # ---")]
    block = "\n".join("  " + ln for ln in lines)
    doc = yaml.safe_load("systems:\n" + block)
    templates = yaml.safe_load(text)["templates"]
    parsed = {n: parse_system(n, r, templates) for n, r in doc["systems"].items()}
    assert {s.backend for s in parsed.values()} == {"vllm", "openai"}


def test_fingerprint_tracks_outputs_only():
    a = parse_system("a", _raw())
    assert system_fingerprint(a) == system_fingerprint(parse_system("a", _raw()))  # stable
    assert parse_system("renamed", _raw()).fingerprint == a.fingerprint  # name does not change outputs
    assert parse_system("a", _raw(options={"batch_size": 64})).fingerprint == a.fingerprint
    changed = [
        _raw(template={"name": "t", "version": "2", "system_prompt": "Be brief."}),
        _raw(template={"name": "t", "version": "1", "system_prompt": "Be long."}),
        _raw(decoding={"max_new_tokens": 17}),
        _raw(decoding={"max_new_tokens": 16, "temperature": 0.7}),
        _raw(model="other"),
        _raw(backend="vllm"),
        _raw(options={"batch_size": 8, "dtype": "bfloat16"}),
    ]
    fps = {parse_system("a", r).fingerprint for r in changed}
    assert len(fps) == len(changed) and a.fingerprint not in fps


def test_unknown_backend_lists_valid_ones():
    with pytest.raises(SystemConfigError, match=r"unknown backend 'tgi'.*transformers, vllm, openai"):
        parse_system("x", _raw(backend="tgi"))


def test_make_backend_unknown_backend():
    s = parse_system("x", _raw())
    object.__setattr__(s, "backend", "tgi")
    with pytest.raises(SystemConfigError, match="valid backends"):
        make_backend(s)


@pytest.mark.parametrize(
    "raw,msg",
    [
        (_raw(model=""), "missing required field 'model'"),
        (_raw(decoding={"max_new_tokens": 0}), "max_new_tokens"),
        (_raw(decoding={"max_tokens": 5}), "unknown decoding params"),
        (_raw(template="nope"), "template 'nope' not found"),
        (_raw(hidden_layers="some"), "hidden_layers"),
    ],
)
def test_validation_errors(raw, msg):
    with pytest.raises(SystemConfigError, match=msg):
        parse_system("x", raw)


def test_exactly_one_baseline(tmp_path):
    import yaml

    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump({"systems": {"a": _raw(), "b": _raw()}}))
    with pytest.raises(SystemConfigError, match="exactly one system"):
        load_systems(p)


def test_template_replaces_example_system_message():
    s = parse_system("x", _raw())
    msgs = s.template.apply([{"role": "system", "content": "old"}, {"role": "user", "content": "hi"}])
    assert msgs == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]

from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from evalpipe.sampling import EmptyWindowError, SamplingConfig, SamplingConfigError, UnknownStratumKeyError
from evalpipe.sampling.config import StratumTooSmallError
from evalpipe.sampling.features import log_features
from evalpipe.sampling.synthetic import synthetic_scrubbed_logs
from evalpipe.sampling.text import PSEUDONYM_RE
from evalpipe.suites import (
    DatasetBuildConfig,
    PIIResidueError,
    dataset_card,
    diff_versions,
    list_versions,
    load_dataset,
    materialize_eval_dataset,
    read_manifest,
)
from evalpipe.suites.pii_guard import find_pii
from evalpipe.suites.schema import EVAL_COLUMNS, TEXT_COLUMNS

SCFG = {"rate": 0.2, "min_per_stratum": 1, "small_stratum_policy": "take_all", "strata": ["intent"]}


@pytest.fixture(scope="module")
def inputs():
    logs = synthetic_scrubbed_logs(150, seed=5)
    return logs, log_features(logs)


def _files(d):
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_same_inputs_same_version_and_bytes(tmp_path, inputs):
    logs, feats = inputs
    r1, _ = materialize_eval_dataset(
        tmp_path / "a", features_df=feats, scrubbed_df=logs, sampling_config=SCFG
    )
    shuffled = feats.sample(frac=1.0, random_state=1).reset_index(drop=True)
    r2, _ = materialize_eval_dataset(
        tmp_path / "b", features_df=shuffled, scrubbed_df=logs.iloc[::-1], sampling_config=SCFG
    )
    assert r1.version == r2.version and r1.created and r2.created
    assert _files(r1.path) == _files(r2.path)
    # writing again is a no-op
    r3, _ = materialize_eval_dataset(
        tmp_path / "a", features_df=feats, scrubbed_df=logs, sampling_config=SCFG
    )
    assert r3.version == r1.version and not r3.created
    assert len(list_versions(tmp_path / "a")) == 1
    assert not [p for p in (tmp_path / "a" / "eval_dataset").iterdir() if p.name.startswith(".tmp")]


def test_manifest_and_card(tmp_path, inputs):
    logs, feats = inputs
    r, sample = materialize_eval_dataset(tmp_path, features_df=feats, scrubbed_df=logs, sampling_config=SCFG)
    m = read_manifest(tmp_path, r.version)
    assert m["salt"] == "evalpipe-sample-v1"
    assert m["window"]["days"] == ["2026-11-01"]
    assert m["scrubber_versions"] == ["scrub/test"]
    assert m["row_counts"]["distribution"] == len(sample)
    assert (
        m["row_counts"]["golden"] >= 60
        and m["row_counts"]["adversarial"] > 0
        and m["row_counts"]["regression"] > 0
    )
    assert sum(s["N"] for s in m["strata"]) == m["population_after_dedup"]
    assert m["config"]["sampling"]["rate"] == 0.2
    assert "/work" not in json.dumps(m["config"])  # machine paths do not enter the version hash
    df = load_dataset(tmp_path, r.version)
    assert list(df.columns) == EVAL_COLUMNS
    assert set(df["partition"]) == {"golden", "regression", "adversarial", "distribution"}
    card = dataset_card(tmp_path, r.version)
    assert card["distribution_weight_sum"] == pytest.approx(m["population_after_dedup"])
    assert card["paraphrase_groups"] >= 8
    meta = pq.read_metadata(r.path / "golden.parquet").metadata
    assert (
        meta[b"evalpipe.schema"] == b"eval_dataset/1" and b"pandas" not in meta
    )  # no pandas/version metadata


def test_diff_versions(tmp_path, inputs):
    logs, feats = inputs
    a, _ = materialize_eval_dataset(tmp_path, features_df=feats, scrubbed_df=logs, sampling_config=SCFG)
    b, _ = materialize_eval_dataset(
        tmp_path, features_df=feats, scrubbed_df=logs, sampling_config={**SCFG, "rate": 0.4}
    )
    c, _ = materialize_eval_dataset(
        tmp_path,
        features_df=feats,
        scrubbed_df=logs,
        sampling_config=SCFG,
        build_config=DatasetBuildConfig(adversarial_seed=1),
    )
    assert len({a.version, b.version, c.version}) == 3
    d = diff_versions(tmp_path, a.version, b.version)
    assert d["added"] and all(x.startswith("dist-") for x in d["added"])
    assert d["removed"] == []  # monotone: a larger rate only adds
    d2 = diff_versions(tmp_path, a.version, c.version)
    assert d2["changed"] and all(x.startswith("adv-") for x in d2["changed"] + d2["added"] + d2["removed"])
    assert [v["version"] for v in list_versions(tmp_path)] and len(list_versions(tmp_path)) == 3


@pytest.mark.parametrize(
    ("cfg", "exc"),
    [
        ({**SCFG, "strata": ["intent", "colour"]}, UnknownStratumKeyError),
        ({**SCFG, "min_per_stratum": 10_000, "small_stratum_policy": "error"}, StratumTooSmallError),
        ({**SCFG, "rate": 0}, SamplingConfigError),
        ({**SCFG, "bogus": 1}, SamplingConfigError),
    ],
)
def test_bad_config_writes_nothing(tmp_path, inputs, cfg, exc):
    logs, feats = inputs
    with pytest.raises(exc):
        materialize_eval_dataset(tmp_path / "root", features_df=feats, scrubbed_df=logs, sampling_config=cfg)
    assert not (tmp_path / "root").exists()


def test_empty_window_and_bad_build_config_write_nothing(tmp_path, inputs):
    logs, feats = inputs
    with pytest.raises(EmptyWindowError):
        materialize_eval_dataset(
            tmp_path / "r", features_df=feats.iloc[:0], scrubbed_df=logs, sampling_config=SCFG
        )
    with pytest.raises(SamplingConfigError, match="golden_path"):
        materialize_eval_dataset(
            tmp_path / "r",
            features_df=feats,
            scrubbed_df=logs,
            sampling_config=SCFG,
            build_config=DatasetBuildConfig(golden_path=str(tmp_path / "missing.yaml")),
        )
    assert not (tmp_path / "r").exists()


def test_no_pii_in_any_dataset_file_and_pseudonyms_survive(tmp_path):
    logs = synthetic_scrubbed_logs(60, seed=9)
    planted = (
        "Hi, I'm <PERSON_3f9a>, write to <EMAIL_ADDRESS_1b2c> or <PHONE_NUMBER_77aa>, it's about a refund"
    )
    msgs = [{"role": "user", "parts": [{"type": "text", "content": planted}]}]
    logs.loc[0, "input_messages"] = json.dumps(msgs)
    feats = log_features(logs)
    cfg = {**SCFG, "rate": 1.0, "dedup": {"exact": False, "near": False}}
    r, _ = materialize_eval_dataset(tmp_path, features_df=feats, scrubbed_df=logs, sampling_config=cfg)
    df = load_dataset(tmp_path, r.version)
    row = df[df["example_id"] == f"dist-{logs.loc[0, 'record_id']}"].iloc[0]
    assert json.loads(row["input_messages"]) == [{"role": "user", "content": planted}]
    text_cols = TEXT_COLUMNS
    all_pseudonyms = set()
    for _, rr in df.iterrows():
        for c in text_cols:
            v = rr[c]
            if isinstance(v, str):
                assert not find_pii(v), (rr["example_id"], c, find_pii(v))
                all_pseudonyms |= {m.group() for m in PSEUDONYM_RE.finditer(v)}
    input_pseudonyms = {
        m.group()
        for v in logs["input_messages"].tolist() + logs["output_messages"].tolist()
        for m in PSEUDONYM_RE.finditer(v or "")
    }
    assert (
        {"<PERSON_3f9a>", "<EMAIL_ADDRESS_1b2c>", "<PHONE_NUMBER_77aa>"} <= all_pseudonyms <= input_pseudonyms
    )
    for name in os.listdir(r.path):  # raw bytes too (manifest is plain JSON; parquet columns are zstd)
        assert b"@example.com" not in (r.path / name).read_bytes()


def test_scrubber_leak_is_blocked_or_dropped(tmp_path):
    logs = synthetic_scrubbed_logs(30, seed=4)
    msgs = [
        {"role": "user", "parts": [{"type": "text", "content": "my email is jane.doe@example.com, refund?"}]}
    ]
    logs.loc[3, "input_messages"] = json.dumps(msgs)
    feats = log_features(logs)
    cfg = {**SCFG, "rate": 1.0, "dedup": {"exact": False, "near": False}}
    with pytest.raises(PIIResidueError):
        materialize_eval_dataset(tmp_path / "x", features_df=feats, scrubbed_df=logs, sampling_config=cfg)
    assert not (tmp_path / "x").exists()
    r, _ = materialize_eval_dataset(
        tmp_path / "y",
        features_df=feats,
        scrubbed_df=logs,
        sampling_config=cfg,
        build_config=DatasetBuildConfig(pii_policy="drop"),
    )
    m = read_manifest(tmp_path / "y", r.version)
    assert m["pii_dropped"] == [f"dist-{logs.loc[3, 'record_id']}"]
    df = load_dataset(tmp_path / "y", r.version)
    assert not df["input_messages"].str.contains("example.com").any()


def test_sampling_config_object_accepted(tmp_path, inputs):
    logs, feats = inputs
    r, s = materialize_eval_dataset(
        tmp_path, features_df=feats, scrubbed_df=logs, sampling_config=SamplingConfig.from_dict(SCFG)
    )
    assert isinstance(s, pd.DataFrame) and r.created


def test_precomputed_sample_gives_same_version(tmp_path, inputs):
    from evalpipe.sampling import stratified_sample

    logs, feats = inputs
    a, _ = materialize_eval_dataset(tmp_path / "a", features_df=feats, scrubbed_df=logs, sampling_config=SCFG)
    sample = stratified_sample(feats, SCFG)
    b, _ = materialize_eval_dataset(
        tmp_path / "b", sample_df=sample, features_df=feats, scrubbed_df=logs, sampling_config=SCFG
    )
    assert a.version == b.version
    with pytest.raises(SamplingConfigError, match="lacks"):
        materialize_eval_dataset(tmp_path / "c", sample_df=feats, scrubbed_df=logs, sampling_config=SCFG)
    assert not (tmp_path / "c").exists()

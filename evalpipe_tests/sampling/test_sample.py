from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalpipe.sampling import (
    EmptyWindowError,
    SamplingConfig,
    SamplingConfigError,
    StratumTooSmallError,
    UnknownStratumKeyError,
    allocate,
    dedup,
    stratified_sample,
)
from evalpipe.sampling.features import log_features
from evalpipe.sampling.synthetic import synthetic_features, synthetic_scrubbed_logs
from evalpipe.sampling.text import blake2b_hex, blake2b_u64


def _features(n=400, seed=0):
    rng = np.random.default_rng(seed)
    texts = [f"question {i} about topic {rng.integers(1000)} and some words {i * 7919}" for i in range(n)]
    return pd.DataFrame(
        {
            "record_id": [f"r{i:05d}" for i in range(n)],
            "day": "2026-11-01",
            "intent": rng.choice(["pricing", "billing", "features"], n, p=[0.6, 0.3, 0.1]),
            "feedback": rng.choice(["none", "negative"], n, p=[0.8, 0.2]),
            "input_chars": rng.integers(5, 500, n),
            "norm_text": texts,
            "content_hash": [blake2b_hex(t) for t in texts],
        }
    )


CFG = dict(rate=0.1, min_per_stratum=3, strata=["intent", "feedback"], dedup={"near": False})


def test_order_independent():
    f = _features()
    a = stratified_sample(f, CFG)
    b = stratified_sample(f.sample(frac=1.0, random_state=3).reset_index(drop=True), CFG)
    pd.testing.assert_frame_equal(a, b)


def test_salt_changes_the_draw_but_not_the_allocation():
    f = _features()
    a = stratified_sample(f, CFG)
    b = stratified_sample(f, {**CFG, "salt": "other"})
    assert set(a["record_id"]) != set(b["record_id"])
    assert a.groupby("stratum").size().equals(b.groupby("stratum").size())


@pytest.mark.parametrize("allocation", ["proportional", "neyman"])
def test_monotone_in_rate(allocation):
    f = _features()
    prev: set[str] = set()
    for rate in (0.02, 0.05, 0.1, 0.2, 0.35, 0.6, 1.0):
        s = set(stratified_sample(f, {**CFG, "rate": rate, "allocation": allocation})["record_id"])
        assert prev <= s, rate
        prev = s
    assert len(prev) == len(f)


def test_draw_is_bottom_k_of_salted_blake2b():
    f = _features()
    s = stratified_sample(f, CFG)
    for h, g in s.groupby("stratum"):
        intent, fb = (kv.split("=")[1] for kv in h.split("|"))
        pop = f[(f["intent"] == intent) & (f["feedback"] == fb)]
        keys = sorted(pop["record_id"], key=lambda r: blake2b_u64(r, CFG.get("salt", "evalpipe-sample-v1")))
        assert list(g["record_id"]) == keys[: len(g)]


def test_minimums_and_weights_sum_to_deduplicated_population():
    f = _features()
    f.loc[f.index[:60], "content_hash"] = "same"  # 60 exact duplicates -> 1 survivor
    f.loc[f.index[:60], "norm_text"] = "same text"
    s = stratified_sample(f, CFG)
    n_pop = len(f) - 59
    assert s["design_weight"].sum() == pytest.approx(n_pop)
    assert s["dup_count"].sum() <= len(f)
    assert (s.groupby("stratum").size() >= 3).all()
    assert (s["design_weight"] == s["stratum_N"] / s["stratum_n"]).all()


def test_size_config_and_total():
    f = _features()
    s = stratified_sample(f, {**CFG, "rate": None, "size": 50})
    assert len(s) == 50


def test_exact_dedup_keeps_smallest_key():
    f = _features(50)
    f["content_hash"] = "h"
    out = dedup(f, SamplingConfig.from_dict({"dedup": {"near": False}}))
    assert len(out) == 1
    want = min(f["record_id"], key=lambda r: blake2b_u64(r, b"evalpipe-dedup"))
    assert out.loc[0, "record_id"] == want and out.loc[0, "dup_count"] == 50


def test_near_dedup_removes_paraphrased_punctuation():
    base = "how do i cancel my brightdesk subscription before the renewal date"
    texts = [base, base + "?", base + " ??", "where is my invoice for march please send it"]
    f = pd.DataFrame(
        {
            "record_id": list("abcd"),
            "norm_text": texts,
            "content_hash": [blake2b_hex(t) for t in texts],
            "intent": "x",
        }
    )
    out = dedup(f, SamplingConfig.from_dict({"strata": ["intent"], "dedup": {"threshold": 0.8}}))
    assert len(out) == 2
    fam = out[out["norm_text"].str.startswith("how")]
    assert fam["dup_count"].iloc[0] == 3
    assert fam["record_id"].iloc[0] == min("abc", key=lambda r: blake2b_u64(r, b"evalpipe-dedup"))


def test_neyman_gives_more_to_high_variance_stratum():
    sizes = {"a": 100, "b": 100}
    alloc = allocate(sizes, 40, 2, scores={"a": 100 * 10.0, "b": 100 * 1.0})
    assert alloc["a"] > alloc["b"] >= 2 and sum(alloc.values()) == 40
    prop = allocate(sizes, 40, 2)
    assert prop == {"a": 20, "b": 20}


def test_allocation_house_monotone_and_capped():
    sizes = {"a": 3, "b": 50, "c": 7, "d": 120}
    prev = None
    for total in range(0, 181):
        alloc = allocate(sizes, total, 2)
        assert all(alloc[h] <= sizes[h] for h in sizes)
        if prev is not None:
            assert all(alloc[h] >= prev[h] for h in sizes)
        prev = alloc
    assert prev == sizes


def test_config_errors():
    f = _features()
    with pytest.raises(UnknownStratumKeyError, match="nonexistent"):
        stratified_sample(f, {**CFG, "strata": ["intent", "nonexistent"]})
    with pytest.raises(StratumTooSmallError, match="min_per_stratum=200"):
        stratified_sample(f, {**CFG, "min_per_stratum": 200})
    with pytest.raises(EmptyWindowError):
        stratified_sample(f.iloc[:0], CFG)
    with pytest.raises(SamplingConfigError, match="unknown sampling config key"):
        SamplingConfig.from_dict({"rat": 0.1})
    with pytest.raises(SamplingConfigError, match="rate"):
        SamplingConfig.from_dict({"rate": 1.5})
    with pytest.raises(SamplingConfigError, match="exactly one"):
        SamplingConfig.from_dict({"rate": 0.1, "size": 10})
    with pytest.raises(SamplingConfigError, match="allocation"):
        SamplingConfig.from_dict({"allocation": "optimal"})
    assert issubclass(StratumTooSmallError, ValueError) and issubclass(EmptyWindowError, ValueError)


def test_take_all_policy_flags_small_strata():
    f = _features()
    s = stratified_sample(f, {**CFG, "min_per_stratum": 60, "small_stratum_policy": "take_all"})
    small = s[s["take_all"]]
    assert len(small) > 0
    assert (small["stratum_n"] == small["stratum_N"]).all() and (small["design_weight"] == 1.0).all()


def test_end_to_end_from_synthetic_logs_and_shipped_config(repo):
    logs = synthetic_scrubbed_logs(300, seed=1)
    cfg = SamplingConfig.from_yaml(repo / "data" / "sampling.yaml")
    feats = log_features(logs)
    s = stratified_sample(feats, cfg)
    pop = dedup(feats, cfg)
    assert s["design_weight"].sum() == pytest.approx(len(pop))
    assert set(s["stratum"]) == set(
        (
            "intent="
            + pop["intent"]
            + "|language_group="
            + pop["language_group"]
            + "|feedback="
            + pop["feedback"]
            + "|error_class="
            + pop["error_class"]
        ).unique()
    )


def test_benchmark_generator_shape():
    f = synthetic_features(2000, seed=0)
    assert len(f) == 2000 and f["content_hash"].nunique() < 2000
    s = stratified_sample(f, {"rate": 0.05, "min_per_stratum": 1, "small_stratum_policy": "take_all"})
    assert s["design_weight"].sum() == pytest.approx(len(dedup(f, SamplingConfig.from_dict({}))))


def test_key_collisions_fall_back_to_record_id_order():
    from evalpipe.sampling.sample import _canonical_order

    keys = np.array([5, 5, 1, 5], dtype=np.uint64)
    tie = pd.Series(["d", "b", "z", "a"])
    assert list(_canonical_order(keys, tie)) == [2, 3, 1, 0]
    groups = np.array([1, 0, 1, 0])
    assert list(_canonical_order(keys, tie, groups)) == [3, 1, 2, 0]

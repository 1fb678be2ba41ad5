import numpy as np
import pandas as pd
import pytest

from evalpipe.stats.compare import RESULT_COLUMNS, CompareConfig, MetricSpec, compare_systems, gate_decision
from evalpipe.stats.power import mde


def _long(ex: pd.DataFrame, values: dict[tuple[str, str], np.ndarray]) -> pd.DataFrame:
    parts = [ex.assign(system=s, metric=m, value=v) for (s, m), v in values.items()]
    return pd.concat(parts, ignore_index=True)


def _paired_binary(rng, n, p_a, pb, pc):
    """A ~ Bernoulli(p_a); discordant cells b (A right, B wrong) and c with given probabilities."""
    u = rng.random(n)
    a = np.empty(n)
    b = np.empty(n)
    # cells: (1,0) w.p. pb, (0,1) w.p. pc, (1,1) w.p. p_a − pb, (0,0) rest
    a[:] = 0
    b[:] = 0
    c10 = u < pb
    c01 = (u >= pb) & (u < pb + pc)
    c11 = (u >= pb + pc) & (u < p_a + pc)
    a[c10 | c11] = 1
    b[c01 | c11] = 1
    return a, b


def test_basic_report_shape_and_verdicts():
    rng = np.random.default_rng(0)
    n = 600
    ex = pd.DataFrame(
        {
            "example_id": [f"e{i}" for i in range(n)],
            "partition": rng.choice(["golden", "prod"], n, p=[0.1, 0.9]),
            "intent": rng.choice(["x", "y", "z"], n),
        }
    )
    a_acc, b_acc = _paired_binary(rng, n, 0.8, 0.15, 0.01)  # big regression on accuracy
    base = rng.beta(4, 2, n)
    a_f1, b_f1 = base, np.clip(base + rng.normal(0.0, 0.02, n), 0, 1)  # no change, precise
    a_j = rng.integers(1, 6, n).astype(float)
    b_j = np.clip(a_j + rng.choice([0, 1], n, p=[0.5, 0.5]), 1, 5)  # ordinal improvement
    df = _long(
        ex,
        {
            ("A", "acc"): a_acc,
            ("B", "acc"): b_acc,
            ("A", "f1"): a_f1,
            ("B", "f1"): b_f1,
            ("A", "judge"): a_j,
            ("B", "judge"): b_j,
        },
    )
    cfg = CompareConfig(
        baseline="A",
        metrics={
            "acc": "binary",
            "f1": MetricSpec("continuous", tolerance=0.02),
            "judge": MetricSpec("ordinal", scale=4),
        },
        primary_metric="f1",
        n_resamples=2000,
    )
    out = compare_systems(df, cfg)
    assert list(out.columns) == RESULT_COLUMNS
    assert len(out) == 3 * (1 + 2 + 3)
    row = out.set_index(["metric", "slice_key", "slice_value"])
    assert row.loc[("acc", "all", "all"), "verdict"] == "regression"
    assert row.loc[("acc", "all", "all"), "test"] == "mcnemar_midp"
    assert row.loc[("f1", "all", "all"), "verdict"] == "no_change"
    assert row.loc[("f1", "all", "all"), "test"] == "bootstrap_bca"
    assert row.loc[("judge", "all", "all"), "verdict"] == "improvement"
    assert row.loc[("judge", "all", "all"), "effect"] > 0.5  # rank-biserial
    assert row.loc[("acc", "all", "all"), "n"] == n
    assert row.loc[("acc", "all", "all"), "mde"] == pytest.approx(mde(row.loc[("acc", "all", "all"), "se"]))
    # BH across all 18 tests of the comparison
    assert (out["p_adj"] >= out["p_value"] - 1e-12).all()
    g = gate_decision(out, cfg)
    assert g.decision == "block" and any("regression: acc" in r for r in g.reasons)


def test_tiny_slices_do_not_crash():
    ex = pd.DataFrame({"example_id": [1, 2, 3, 4, 5], "intent": ["solo", "pair", "pair", "same", "same"]})
    df = _long(
        ex,
        {
            ("A", "acc"): np.array([1, 1, 0, 1, 1.0]),
            ("B", "acc"): np.array([0, 1, 0, 1, 1.0]),
            ("A", "f1"): np.array([0.5, 0.2, 0.3, 0.7, 0.7]),
            ("B", "f1"): np.array([0.5, 0.2, 0.3, 0.7, 0.7]),
            ("A", "j"): np.array([3, 3, 3, 3, 3.0]),
            ("B", "j"): np.array([3, 3, 3, 3, 3.0]),
        },
    )
    cfg = CompareConfig(
        baseline="A",
        metrics={"acc": "binary", "f1": "continuous", "j": "ordinal"},
        slice_columns=["intent"],
        n_resamples=500,
    )
    out = compare_systems(df, cfg).set_index(["metric", "slice_value"])
    assert out.loc[("acc", "solo"), "verdict"] == "underpowered"  # n = 1
    assert np.isnan(out.loc[("acc", "solo"), "p_value"])
    assert out.loc[("acc", "same"), "p_value"] == 1.0  # b + c = 0
    assert out.loc[("acc", "same"), "verdict"] == "underpowered"  # n = 2: rule-of-three MDE is huge
    assert out.loc[("f1", "all"), "p_value"] == 1.0  # identical values
    assert out.loc[("j", "all"), "p_value"] == 1.0
    assert (out["verdict"] == "underpowered").all()


def test_missing_pairs_and_candidate_without_metric():
    ex = pd.DataFrame({"example_id": range(50)})
    rng = np.random.default_rng(1)
    a = rng.random(50)
    b = a.copy()
    b[:10] = np.nan
    df = _long(ex, {("A", "s"): a, ("B", "s"): b}).dropna()
    out = compare_systems(df, CompareConfig(baseline="A", metrics={"s": "continuous"}, n_resamples=500))
    assert out.loc[0, "n"] == 40


def test_gate_golden_and_undecided():
    rng = np.random.default_rng(2)
    n = 400
    ex = pd.DataFrame({"example_id": range(n), "partition": ["golden"] * 40 + ["prod"] * (n - 40)})
    a = np.ones(n)
    b = np.ones(n)
    b[3] = 0  # one golden failure
    s_a = rng.random(n)
    df = _long(
        ex,
        {
            ("A", "pass"): a,
            ("B", "pass"): b,
            ("A", "score"): s_a,
            ("B", "score"): s_a + rng.normal(0, 0.2, n),
        },
    )
    cfg = CompareConfig(
        baseline="A",
        metrics={"pass": "binary", "score": MetricSpec("continuous", tolerance=0.01)},
        primary_metric="score",
        golden_pass_metric="pass",
        n_resamples=1000,
    )
    out = compare_systems(df, cfg)
    g = gate_decision(out, cfg)
    assert g.decision == "block" and "golden" in g.reasons[0]
    # fix the golden failure: the primary metric is noisy (MDE > tolerance) → undecided
    df.loc[(df.system == "B") & (df.metric == "pass"), "value"] = 1.0
    out = compare_systems(df, cfg)
    g = gate_decision(out, cfg)
    assert g.decision == "undecided" and "underpowered" in g.reasons[0]
    # make it precise → proceed
    df.loc[(df.system == "B") & (df.metric == "score"), "value"] = s_a + rng.normal(0, 0.001, n)
    g = gate_decision(compare_systems(df, cfg), cfg)
    assert g.decision == "proceed", g.reasons
    # golden slice absent → undecided
    out2 = compare_systems(df[df.partition == "prod"], cfg)
    assert gate_decision(out2, cfg).decision == "undecided"


def test_clustered_compare_reports_clusters():
    rng = np.random.default_rng(3)
    n_cl, m = 50, 6
    ex = pd.DataFrame({"example_id": range(n_cl * m), "session": np.repeat(np.arange(n_cl), m)})
    eff = np.repeat(rng.normal(0, 0.3, n_cl), m)
    a = rng.random(n_cl * m)
    df = _long(ex, {("A", "s"): a, ("B", "s"): a + eff + rng.normal(0, 0.05, n_cl * m)})
    cfg = CompareConfig(baseline="A", metrics={"s": "continuous"}, cluster_column="session", n_resamples=2000)
    clu = compare_systems(df, cfg).iloc[0]
    flat = compare_systems(
        df, CompareConfig(baseline="A", metrics={"s": "continuous"}, n_resamples=2000)
    ).iloc[0]
    assert clu["n"] == 300 and clu["n_clusters"] == 50
    assert clu["test"] == "bootstrap_bca_cluster"
    assert (clu["ci_high"] - clu["ci_low"]) > 1.8 * (flat["ci_high"] - flat["ci_low"])
    assert clu["se"] > 1.8 * flat["se"]


# ---------------------------------------------------------------------------------------------
# Simulations: gate error rates
# ---------------------------------------------------------------------------------------------
@pytest.mark.slow  # ~10 s CPU; 25 s wall on a loaded 2-core machine
def test_false_block_rate_under_null():
    """No true difference on any metric or slice → block rate ≤ α + 2·MC error."""
    rng = np.random.default_rng(10)
    n, n_sim = 300, 300
    ex = pd.DataFrame({"example_id": range(n), "intent": rng.choice(["a", "b", "c"], n)})
    cfg = CompareConfig(
        baseline="A",
        metrics={"acc": "binary", "acc2": "binary", "f1": "continuous", "judge": "ordinal"},
        n_resamples=500,
        slice_columns=["intent"],
    )
    blocks = 0
    for i in range(n_sim):
        a1, b1 = _paired_binary(rng, n, 0.7, 0.1, 0.1)
        a2, b2 = _paired_binary(rng, n, 0.5, 0.05, 0.05)
        f = rng.beta(3, 2, n)
        ja = rng.integers(1, 6, n).astype(float)
        df = _long(
            ex,
            {
                ("A", "acc"): a1,
                ("B", "acc"): b1,
                ("A", "acc2"): a2,
                ("B", "acc2"): b2,
                ("A", "f1"): f + rng.normal(0, 0.1, n),
                ("B", "f1"): f + rng.normal(0, 0.1, n),
                ("A", "judge"): ja,
                ("B", "judge"): np.clip(ja + rng.choice([-1, 0, 1], n), 1, 5),
            },
        )
        cfg.seed = i
        blocks += gate_decision(compare_systems(df, cfg), cfg).decision == "block"
    rate = blocks / n_sim
    print(f"false-block rate {rate:.3f}")
    assert rate <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / n_sim)


def test_power_at_mde_binary():
    """A regression planted at the MDE (tolerance 0) is blocked ≈ 80% of the time."""
    rng = np.random.default_rng(20)
    n, psi, n_sim = 1000, 0.10, 400
    delta = np.sqrt(mde(1.0) ** 2 * psi / n / (1 + mde(1.0) ** 2 / n))  # Δ = 2.80·sqrt(ψ − Δ²)/√n
    pb, pc = (psi + delta) / 2, (psi - delta) / 2
    ex = pd.DataFrame({"example_id": range(n)})
    cfg = CompareConfig(baseline="A", metrics={"acc": "binary"}, primary_metric="acc")
    blocks = 0
    for _ in range(n_sim):
        a, b = _paired_binary(rng, n, 0.75, pb, pc)
        blocks += (
            gate_decision(compare_systems(_long(ex, {("A", "acc"): a, ("B", "acc"): b}), cfg), cfg).decision
            == "block"
        )
    print(f"power {blocks / n_sim:.3f}")
    assert 0.70 <= blocks / n_sim <= 0.90


def test_power_at_mde_continuous_bootstrap():
    rng = np.random.default_rng(21)
    n, sd, n_sim = 400, 0.2, 200
    shift = -mde(sd / np.sqrt(n))
    ex = pd.DataFrame({"example_id": range(n)})
    cfg = CompareConfig(baseline="A", metrics={"f1": "continuous"}, n_resamples=1000)
    blocks = 0
    for i in range(n_sim):
        a = rng.beta(5, 3, n)
        b = a + shift + rng.normal(0, sd, n)
        cfg.seed = i
        blocks += (
            gate_decision(compare_systems(_long(ex, {("A", "f1"): a, ("B", "f1"): b}), cfg), cfg).decision
            == "block"
        )
    print(f"power {blocks / n_sim:.3f}")
    assert 0.70 <= blocks / n_sim <= 0.90


def test_three_item_slice_cannot_block():
    """Every bootstrap resample of 3 negative differences is negative (p ≈ 1/B); the sign-flip floor
    2·½^3 = 0.25 keeps such a slice from being called a regression."""
    ex = pd.DataFrame({"example_id": range(3)})
    df = _long(ex, {("A", "s"): np.array([0.9, 0.8, 0.7]), ("B", "s"): np.array([0.3, 0.35, 0.1])})
    cfg = CompareConfig(baseline="A", metrics={"s": "continuous"}, n_resamples=2000)
    row = compare_systems(df, cfg).iloc[0]
    assert row["p_value"] == pytest.approx(0.25)
    assert row["verdict"] == "underpowered"
    assert gate_decision(compare_systems(df, cfg), cfg).decision != "block"

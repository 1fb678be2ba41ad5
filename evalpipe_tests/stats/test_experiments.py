"""Production experiments: SRM, clustered SE (vs statsmodels), CUPED, always-valid sequential test.

Simulation sizes are small by default; EVALPIPE_SIM_SIZE=N multiplies the number of simulated
experiments (benchmarks/experiments.py runs the full size).
"""

import math
import os

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evalpipe.stats.experiments import (
    READING_COLUMNS,
    RESULT_COLUMNS,
    ExperimentConfig,
    ExperimentMetric,
    analyze_experiment,
    clustered_diff,
    cuped_adjust,
    mixture_boundary,
    mixture_log_lr,
    nightly_estimates,
    simulate_calls,
    simulate_peeking,
    variance_to_cross,
)

SIZE = max(1, int(os.environ.get("EVALPIPE_SIM_SIZE", "1")))
ALPHA = 0.05

BAD = ExperimentMetric("binary", higher_is_better=False)
SCORE = ExperimentMetric("continuous", higher_is_better=True)


def _cfg(**kw) -> ExperimentConfig:
    kw.setdefault("metrics", {"bad": BAD, "score": SCORE})
    return ExperimentConfig(control="A", **kw)


def _sm_cluster(y, t, groups):
    X = sm.add_constant(np.asarray(t, dtype=float))
    fit = sm.OLS(np.asarray(y, dtype=float), X).fit(cov_type="cluster", cov_kwds={"groups": groups})
    return float(fit.params[1]), float(fit.bse[1])


def test_peeking_false_positive_rate_sequential_vs_naive():
    n = 200 * SIZE
    sim = simulate_peeking(n, seed=11, days=30, sessions_per_day=60, effect=0.0)
    err = 2 * math.sqrt(ALPHA * (1 - ALPHA) / n)
    print(
        f"\nA/A peeking nightly over 30 days, {n} sims: sequential FPR {sim.sequential_rate:.3f}, "
        f"naive nightly z-test FPR {sim.naive_rate:.3f}"
    )
    assert sim.sequential_rate <= ALPHA + err
    assert sim.naive_ci[0] > ALPHA  # peeking a fixed-n test inflates the error rate
    assert sim.naive_rate > ALPHA + err


def test_power_at_planted_effect():
    n = 100 * SIZE
    sim = simulate_peeking(n, seed=12, days=30, sessions_per_day=60, effect=0.04)
    print(
        f"\npower at +4 points on a 20% rate, 30 days: sequential {sim.sequential_rate:.2f} "
        f"(median decision day {sim.median_decision_day}), naive {sim.naive_rate:.2f}"
    )
    assert sim.sequential_rate > 0.5


def test_planted_harm_and_ship_with_direction():
    rng = np.random.default_rng(3)
    df = simulate_calls(
        rng, days=20, sessions_per_day=100, effect=0.12, score_effect=0.3
    )  # bad rate up: harm
    res = analyze_experiment(df, _cfg())
    row = res.metrics.set_index("metric")
    assert row.loc["bad", "verdict"] == "harm"  # more thumbs-down is worse
    assert row.loc["score", "verdict"] == "ship"  # higher score is better
    assert row.loc["bad", "days_needed"] == 0
    assert res.verdict == "harm"
    assert list(res.metrics.columns) == RESULT_COLUMNS
    assert list(res.readings.columns) == READING_COLUMNS
    assert len(res.readings) == 2 * 20
    # the running confidence sequence only shrinks
    rd = res.readings[res.readings.metric == "bad"]
    assert (np.diff(rd["cs_low"]) >= -1e-12).all() and (np.diff(rd["cs_high"]) <= 1e-12).all()


def test_keep_running_and_days_needed_projection():
    rng = np.random.default_rng(4)
    df = simulate_calls(rng, days=6, sessions_per_day=60, effect=0.03)
    cfg = _cfg(metrics={"bad": BAD})
    res = analyze_experiment(df, cfg)
    row = res.metrics.iloc[0]
    assert row.verdict == "keep running"
    d = row.days_needed
    assert np.isfinite(d) and d >= 1
    # at the projected accrual the boundary has shrunk to the observed effect, one day earlier not
    n_now = row.n_control + row.n_treatment
    rate = n_now / row.days_observed
    v_now = row.se_clustered**2

    def width(days):
        return float(mixture_boundary(v_now * n_now / (n_now + days * rate), row.mixing_sd, ALPHA))

    assert width(d) <= abs(row["diff"]) + 1e-12
    assert d == 1 or width(d - 1) > abs(row["diff"])


def test_srm_detected_on_45_55_not_on_50_50():
    rng = np.random.default_rng(5)
    bad_split = simulate_calls(rng, days=10, sessions_per_day=300, treat_share=0.55)
    res = analyze_experiment(bad_split, _cfg())
    assert res.srm.failed and res.srm.p_value < 1e-3
    assert set(res.metrics.verdict) == {"srm_failed"} and res.verdict == "srm_failed"
    # the same split is fine when it is the configured one
    ok = analyze_experiment(bad_split, _cfg(split={"A": 0.45, "B": 0.55}))
    assert not ok.srm.failed
    for seed in range(10):
        df = simulate_calls(np.random.default_rng(100 + seed), days=10, sessions_per_day=300)
        assert not analyze_experiment(df, _cfg()).srm.failed


def test_clustered_se_larger_than_naive_and_matches_statsmodels():
    rng = np.random.default_rng(6)
    df = simulate_calls(rng, days=10, sessions_per_day=80, calls_per_session=5, session_sd=1.5)
    res = analyze_experiment(df, _cfg())
    t = (df.variant == "B").to_numpy()
    for metric in ("bad", "score"):
        row = res.metrics.set_index("metric").loc[metric]
        assert row.se_clustered > 1.3 * row.se_naive
        est, se = _sm_cluster(df[metric], t, df.session_id.to_numpy())
        assert row["diff"] == pytest.approx(est, rel=1e-10)
        assert row.se_clustered == pytest.approx(se, rel=1e-10)


def test_clustered_se_matches_statsmodels_when_clusters_span_arms():
    # sessions are randomised but errors cluster by user, and users have sessions in both arms
    rng = np.random.default_rng(7)
    n = 3000
    user = rng.integers(0, 150, n)
    t = rng.random(n) < 0.5
    y = rng.normal(0, 1, 150)[user] + rng.normal(0, 1, n)
    codes = pd.factorize(user)[0]
    est = clustered_diff(y, t, codes)
    ref_est, ref_se = _sm_cluster(y, t, codes)
    assert est.diff == pytest.approx(ref_est, rel=1e-10)
    assert est.se_clustered == pytest.approx(ref_se, rel=1e-10)


def test_cuped_reduces_variance_when_pre_period_correlates():
    rng = np.random.default_rng(8)
    df = simulate_calls(rng, days=10, sessions_per_day=100, pre_corr=0.8, effect=0.0)
    plain = analyze_experiment(df, _cfg(metrics={"score": SCORE})).metrics.iloc[0]
    cuped = analyze_experiment(df, _cfg(metrics={"score": ExperimentMetric(covariate="pre")})).metrics.iloc[0]
    assert cuped.cuped and not plain.cuped
    assert cuped.variance_reduction > 0.3
    assert cuped.se_clustered < 0.85 * plain.se_clustered
    assert cuped.diff_raw == pytest.approx(plain["diff"])
    # the adjusted estimate is the OLS on Y − θ(X − X̄), clustered like the rest
    theta = cuped.cuped_theta
    y_adj = df.score - theta * (df.pre - df.pre.mean())
    ref_est, ref_se = _sm_cluster(y_adj, df.variant == "B", df.session_id.to_numpy())
    assert cuped["diff"] == pytest.approx(ref_est, rel=1e-9)
    assert cuped.se_clustered == pytest.approx(ref_se, rel=1e-9)
    # an unrelated covariate removes (almost) nothing
    df0 = simulate_calls(np.random.default_rng(9), days=10, sessions_per_day=100, pre_corr=0.0)
    none = analyze_experiment(df0, _cfg(metrics={"score": ExperimentMetric(covariate="pre")})).metrics.iloc[0]
    assert abs(none.variance_reduction) < 0.05


def test_aa_split_of_the_same_data_is_not_shipped_or_harmed():
    rng = np.random.default_rng(10)
    df = simulate_calls(rng, days=20, sessions_per_day=60, effect=0.0).drop(columns="variant")
    sessions = df.session_id.unique()
    seeds = range(40 * SIZE)
    decided = 0
    for seed in seeds:
        arm = np.random.default_rng(seed).random(sessions.size) < 0.5
        split = df.assign(variant=np.where(arm[np.searchsorted(sessions, df.session_id)], "B", "A"))
        res = analyze_experiment(split, _cfg())
        decided += int(res.metrics.verdict.isin(["ship", "harm"]).any())
    n = len(seeds)
    assert decided / n <= ALPHA + 2 * math.sqrt(ALPHA * (1 - ALPHA) / n)


def test_missing_variant_counted_excluded_and_shown():
    rng = np.random.default_rng(11)
    df = simulate_calls(rng, days=5, sessions_per_day=50)
    df["variant"] = df["variant"].astype(object)
    df.loc[df.index[:37], "variant"] = None
    df.loc[df.index[37:40], "variant"] = ""
    df.loc[df.index[40:45], "variant"] = "C"  # an arm not in the experiment
    res = analyze_experiment(df, _cfg(treatment="B"))
    assert res.counts == {
        "n_calls": len(df),
        "n_missing_variant": 40,
        "n_other_arm": 5,
        "n_used": len(df) - 45,
        "n_missing_cluster": 0,
    }
    row = res.metrics.iloc[0]
    assert row.n_control + row.n_treatment == len(df) - 45
    # three arms without a declared treatment is ambiguous
    with pytest.raises(ValueError, match="more than two arms"):
        analyze_experiment(df, _cfg())


def test_single_arm_is_a_clear_error():
    df = simulate_calls(np.random.default_rng(12), days=3, sessions_per_day=20)
    df["variant"] = "A"
    with pytest.raises(ValueError, match="two arms"):
        analyze_experiment(df, _cfg())


def test_missing_metric_values_are_excluded_and_counted():
    df = simulate_calls(np.random.default_rng(13), days=5, sessions_per_day=50)
    df.loc[df.index[::10], "score"] = np.nan
    row = analyze_experiment(df, _cfg()).metrics.set_index("metric").loc["score"]
    assert row.n_missing_value == len(df.index[::10])
    assert row.n_control + row.n_treatment == len(df) - row.n_missing_value


def test_mixture_boundary_is_where_the_likelihood_ratio_hits_one_over_alpha():
    v, tau = 0.0004, 0.03
    w = float(mixture_boundary(v, tau, ALPHA))
    assert float(mixture_log_lr(w, v, tau)) == pytest.approx(math.log(1 / ALPHA))
    v_star = variance_to_cross(w, tau, ALPHA)
    assert v_star == pytest.approx(v, rel=1e-6)
    assert mixture_boundary(v, tau, ALPHA) > 1.96 * math.sqrt(v)  # wider than the fixed-n interval


def test_deterministic():
    df = simulate_calls(np.random.default_rng(14), days=5, sessions_per_day=40)
    a = analyze_experiment(df, _cfg()).metrics
    b = analyze_experiment(df.sample(frac=1, random_state=1), _cfg()).metrics
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


def test_nightly_path_equals_recomputing_every_prefix():
    # users span days and arms, some calls lack the covariate: the O(calls) path must equal a
    # from-scratch clustered (CUPED) estimate on the calls up to each day
    rng = np.random.default_rng(15)
    n, days = 2500, 8
    user = rng.integers(0, 120, n)
    day = rng.integers(0, days, n)
    t = rng.random(n) < 0.5
    x = rng.normal(0, 1, 120)[user] + rng.normal(0, 0.5, n)
    y = 5.0 + 0.8 * x + rng.normal(0, 1, n) + 0.1 * t
    x[rng.random(n) < 0.1] = np.nan
    codes = pd.factorize(user)[0]
    e = nightly_estimates(y, x, t, codes, day, days)
    for k in range(days):
        sel = day <= k
        raw = clustered_diff(y[sel], t[sel], codes[sel])
        y_adj, theta = cuped_adjust(y[sel], x[sel])
        adj = clustered_diff(y_adj, t[sel], codes[sel])
        assert e["diff_raw"][k] == pytest.approx(raw.diff, rel=1e-9, abs=1e-12)
        assert e["se_raw"][k] == pytest.approx(raw.se_clustered, rel=1e-9)
        assert e["se_naive"][k] == pytest.approx(raw.se_naive, rel=1e-9)
        assert e["theta"][k] == pytest.approx(theta, rel=1e-9)
        assert e["diff"][k] == pytest.approx(adj.diff, rel=1e-9, abs=1e-12)
        assert e["se_clustered"][k] == pytest.approx(adj.se_clustered, rel=1e-9)
        assert e["n_clusters"][k] == raw.n_clusters

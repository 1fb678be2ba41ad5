"""Benchmark: production experiments read every night (evalpipe.stats.experiments) and metric validity.

1. Peeking simulation: experiments with no true difference, read every night for 30 days; share
   declared significant by the always-valid confidence sequence vs by a naive nightly fixed-n
   z-test on the same clustered estimate (the false-positive rates), and the same at a planted
   effect (the powers).
2. Sample-ratio mismatch: detection rate on a planted 45/55 split, false alarms on 50/50.
3. Throughput: `analyze_experiment` (30 nightly readings, 2 metrics, SRM) on 100,000 calls against a
   one-call-at-a-time streaming loop (per-cluster running sums in dicts, the CR1 sandwich summed
   cluster by cluster at each day's end) in the same run -- both must give the same numbers -- and
   against statsmodels' cluster-robust OLS refitted every night on the calls so far.
4. Metric validity on 100,000 calls (1,000 session-bootstrap resamples): time and verdicts, against
   one resample at a time with sklearn's weighted AUROC and scipy's Spearman.

Development vs held-out: the tests and the development of the code used the "dev" design (20%
base rate, 60 sessions/day, ~3 calls/session, session sd 1.0) with small integer seeds.  The
held-out figures use a design that was never run while writing the code (8% base rate, 90
sessions/day, ~5 calls/session, session sd 0.6) and seeds drawn from a
separate stream (SeedSequence(20261203)), so neither the seeds nor the design were seen before
the numbers were taken.

    .venv/bin/python benchmarks/experiments.py          # full size (~5 min on 2 shared cores)
    .venv/bin/python benchmarks/experiments.py --quick  # smoke run
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from sklearn.metrics import roc_auc_score

from evalpipe.stats.experiments import (
    ExperimentConfig,
    ExperimentMetric,
    analyze_experiment,
    mixture_boundary,
    simulate_calls,
    simulate_peeking,
)
from evalpipe.stats.validity import ValidityConfig, ValidityMetric, metric_validity

ALPHA = 0.05
DEV = {"p_control": 0.2, "sessions_per_day": 60, "calls_per_session": 3.0, "session_sd": 1.0}
HELD_OUT = {"p_control": 0.08, "sessions_per_day": 90, "calls_per_session": 5.0, "session_sd": 0.6}
HELD_OUT_SEEDS = np.random.SeedSequence(20261203).generate_state(8)


def _design(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "sessions_per_day"}


def peeking(n_fpr: int, n_power: int) -> None:
    print(f"1. nightly peeking over 30 days, alpha = {ALPHA}")
    for name, design, seeds, effect in (
        ("dev", DEV, (11, 12), 0.04),
        ("held-out", HELD_OUT, (int(HELD_OUT_SEEDS[0]), int(HELD_OUT_SEEDS[1])), 0.015),
    ):
        t0 = time.perf_counter()
        spd = design["sessions_per_day"]
        null = simulate_peeking(n_fpr, seed=seeds[0], sessions_per_day=spd, effect=0.0, **_design(design))
        alt = simulate_peeking(n_power, seed=seeds[1], sessions_per_day=spd, effect=effect, **_design(design))
        print(
            f"   {name:8s} FPR  sequential {null.sequential_rate:.3f} [{null.sequential_ci[0]:.3f}, "
            f"{null.sequential_ci[1]:.3f}]   naive nightly z-test {null.naive_rate:.3f} "
            f"[{null.naive_ci[0]:.3f}, {null.naive_ci[1]:.3f}]   ({n_fpr} sims)"
        )
        print(
            f"   {name:8s} power at +{effect * 100:.1f} points on {design['p_control']:.0%}: sequential "
            f"{alt.sequential_rate:.3f} (median decision day {alt.median_decision_day:.0f}), naive "
            f"{alt.naive_rate:.3f}   ({n_power} sims, {time.perf_counter() - t0:.0f} s)"
        )


def srm(n: int) -> None:
    cfg = ExperimentConfig(control="A", metrics={"bad": ExperimentMetric("binary", higher_is_better=False)})
    print("2. sample-ratio mismatch (chi-square on sessions, p < 0.001), 10 days x 300 sessions/day")
    for name, seed in (("dev", 5), ("held-out", int(HELD_OUT_SEEDS[2]))):
        rng = np.random.default_rng(seed)
        hit = sum(
            analyze_experiment(
                simulate_calls(rng, days=10, sessions_per_day=300, treat_share=0.55), cfg
            ).srm.failed
            for _ in range(n)
        )
        false = sum(
            analyze_experiment(simulate_calls(rng, days=10, sessions_per_day=300), cfg).srm.failed
            for _ in range(n)
        )
        print(
            f"   {name:8s} 45/55 detected {hit / n:.3f}, 50/50 false alarms {false / n:.3f}   ({n} sims each)"
        )


def loop_analysis(df: pd.DataFrame, metrics: list[str], alpha: float, mix: float) -> dict[str, dict]:
    """One call at a time: running sums per arm and per cluster, the CR1 sandwich cluster by cluster."""
    rows = df.sort_values("day", kind="stable")[["day", "session_id", "variant", *metrics]].itertuples(
        index=False
    )
    st = {m: {"n": [0, 0], "s": [0.0, 0.0], "ss": 0.0, "cl": {}} for m in metrics}
    units: set = set()
    readings: dict[str, list] = {m: [] for m in metrics}

    def read() -> None:
        for m in metrics:
            s = st[m]
            (n_c, n_t), (s_c, s_t) = s["n"], s["s"]
            if n_c == 0 or n_t == 0:
                continue
            m_c, m_t = s_c / n_c, s_t / n_t
            total = 0.0
            for nc_c, sc_c, nc_t, sc_t in s["cl"].values():
                score = (sc_t - nc_t * m_t) / n_t - (sc_c - nc_c * m_c) / n_c
                total += score * score
            g, n = len(s["cl"]), n_c + n_t
            se = math.sqrt(g / (g - 1) * (n - 1) / (n - 2) * total)
            mean = (s_c + s_t) / n
            tau = mix * math.sqrt(max(s["ss"] / n - mean * mean, 0.0))
            hw = float(mixture_boundary(se * se, tau, alpha))
            readings[m].append((m_t - m_c, se, m_t - m_c - hw, m_t - m_c + hw))

    day = None
    for row in rows:
        if day is not None and row.day != day:
            read()
        day = row.day
        arm = 1 if row.variant == "B" else 0
        units.add((row.session_id, arm))
        for k, m in enumerate(metrics):
            y = row[3 + k]
            if y != y:  # NaN
                continue
            s = st[m]
            s["n"][arm] += 1
            s["s"][arm] += y
            s["ss"] += y * y
            c = s["cl"].setdefault(row.session_id, [0, 0.0, 0, 0.0])
            c[2 * arm] += 1
            c[2 * arm + 1] += y
    read()
    return {m: {"readings": readings[m], "units": len(units)} for m in metrics}


def throughput(n_calls: int) -> None:
    spd = max(1, round(n_calls / 30 / 3))
    df = simulate_calls(np.random.default_rng(int(HELD_OUT_SEEDS[3])), days=30, sessions_per_day=spd)
    metrics = {"bad": ExperimentMetric("binary", higher_is_better=False), "score": ExperimentMetric()}
    cfg = ExperimentConfig(control="A", metrics=metrics)
    analyze_experiment(df.head(2000), cfg)  # warm-up
    t0 = time.perf_counter()
    res = analyze_experiment(df, cfg)
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    loop = loop_analysis(df, list(metrics), ALPHA, cfg.default_mixing_effect)
    t_loop = time.perf_counter() - t0
    # what a team would write first: every night, statsmodels OLS with cluster-robust SE on all
    # calls so far (timed on `sm_nights` nights and scaled to 30: each night costs ~ its size)
    sm_nights = [4, 14, 29]
    t_sm, sizes = 0.0, []
    for k in sm_nights:
        part = df[df.day <= k]
        sizes.append(len(part))
        t0 = time.perf_counter()
        X = sm.add_constant((part.variant == "B").to_numpy(dtype=float))
        for m in metrics:
            sm.OLS(part[m].to_numpy(), X).fit(
                cov_type="cluster", cov_kwds={"groups": part.session_id.to_numpy()}
            )
        t_sm += time.perf_counter() - t0
    all_sizes = [int((df.day <= k).sum()) for k in range(30)]
    t_sm_all = t_sm * sum(all_sizes) / sum(sizes)
    worst = 0.0
    for m in metrics:
        rd = res.readings[res.readings.metric == m]
        ref = np.array(loop[m]["readings"])
        # the loop's intervals are per reading; compare estimate, SE and the raw boundary
        worst = max(worst, float(np.max(np.abs(rd[["diff", "se_clustered"]].to_numpy() - ref[:, :2]))))
    n = len(df)
    print(f"3. throughput: {n:,} calls, 30 nightly readings, 2 metrics (+ SRM)")
    print(f"   vectorised analyze_experiment: {t_fast:6.2f} s  ({n / t_fast:,.0f} calls/s)")
    print(f"   one-call-at-a-time loop:       {t_loop:6.2f} s  ({n / t_loop:,.0f} calls/s)")
    print(
        f"   statsmodels OLS cluster per night: {t_sm_all:6.2f} s (timed {len(sm_nights)} nights, scaled by size to 30)"
    )
    print(
        f"   speed-up {t_loop / t_fast:.1f}x vs the loop, {t_sm_all / t_fast:.1f}x vs statsmodels per night; "
        f"max |difference| loop vs vectorised in estimates and SEs {worst:.1e}"
    )
    print(f"   verdicts: {dict(zip(res.metrics.metric, res.metrics.verdict, strict=True))}")


def validity(n_calls: int, n_boot: int) -> None:
    rng = np.random.default_rng(int(HELD_OUT_SEEDS[4]))
    sessions = n_calls // 3
    sid = np.repeat(np.arange(sessions), 1 + rng.poisson(2, sessions))[:n_calls]
    n = sid.size
    q = rng.normal(0, 0.7, sessions)[sid] + rng.normal(0, 0.7, n)
    df = pd.DataFrame(
        {
            "session_id": sid,
            "faithfulness": 1 / (1 + np.exp(-(1 + 1.5 * q))),
            "length": rng.integers(20, 300, n).astype(float),
            "negative_feedback": (rng.random(n) < 1 / (1 + np.exp(2.5 + q))).astype(float),
        }
    )
    cfg = ValidityConfig(
        metrics={"faithfulness": True, "length": ValidityMetric(higher_is_better=False)},
        outcomes=("negative_feedback",),
        n_boot=n_boot,
    )
    t0 = time.perf_counter()
    res = metric_validity(df, cfg)
    dt = time.perf_counter() - t0
    # baseline: one resample at a time, sklearn AUROC with weights + scipy Spearman on the expanded
    # sample, per metric (timed on a few resamples and scaled to B)
    k_loop = 5
    codes = pd.factorize(df.session_id)[0]
    n_s = codes.max() + 1
    t0 = time.perf_counter()
    for _ in range(k_loop):
        w = np.bincount(rng.integers(0, n_s, n_s), minlength=n_s)[codes]
        for col, sign in (("faithfulness", -1.0), ("length", 1.0)):
            roc_auc_score(df.negative_feedback, sign * df[col], sample_weight=w)
            stats.spearmanr(
                np.repeat(sign * df[col].to_numpy(), w), np.repeat(df.negative_feedback.to_numpy(), w)
            )
    t_loop = (time.perf_counter() - t0) * n_boot / k_loop
    print(
        f"4. metric validity: {n:,} calls, {sessions:,} sessions, B = {n_boot} session resamples, 2 metrics"
    )
    print(
        f"   vectorised metric_validity {dt:.1f} s; per-resample sklearn/scipy loop ~{t_loop:.0f} s "
        f"(timed {k_loop} resamples, scaled): {t_loop / dt:.0f}x"
    )
    for r in res.table.itertuples():
        print(f"   {r.metric:13s} AUROC {r.auroc:.3f} [{r.auroc_low:.3f}, {r.auroc_high:.3f}] -> {r.verdict}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    q = args.quick
    t0 = time.perf_counter()
    peeking(n_fpr=100 if q else 2000, n_power=50 if q else 1000)
    srm(20 if q else 200)
    throughput(20_000 if q else 100_000)
    validity(20_000 if q else 100_000, 200 if q else 1000)
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

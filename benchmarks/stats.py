"""Benchmark: one comparison report (2 systems x 20 metrics x 30 slices, 2,000 items, B = 10,000 BCa
resamples) with evalpipe.stats.compare_systems, against a naive per-cell loop measured in the same run.

Naive baseline: for every metric x slice cell, `scipy.stats.bootstrap(paired=True, method="BCa")` for
continuous metrics and statsmodels' exact McNemar for binary ones.  The scipy calls are slow, so
only a random subset of continuous cells is run and the total is extrapolated (said in the output).

    .venv/bin/python benchmarks/stats.py          # full size (target: report <= 10 s on 2 cores)
    .venv/bin/python benchmarks/stats.py --quick  # small smoke run
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402
from statsmodels.stats.contingency_tables import mcnemar  # noqa: E402

from evalpipe.stats.compare import CompareConfig, compare_systems  # noqa: E402

SLICE_LEVELS = {"partition": 3, "intent": 10, "language": 5, "stratum": 12}  # 30 slices (+ "all")


def synth(n_items: int, n_metrics: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(seed)
    ex = pd.DataFrame({"example_id": [f"ex{i:06d}" for i in range(n_items)]})
    for col, k in SLICE_LEVELS.items():
        ex[col] = rng.choice([f"{col}_{j}" for j in range(k)], n_items)
    parts, types = [], {}
    for m in range(n_metrics):
        name = f"metric_{m:02d}"
        if m % 2 == 0:
            types[name] = "binary"
            latent = rng.normal(0, 1, n_items)
            a = (latent + rng.normal(0, 0.5, n_items) > -0.5).astype(float)
            b = (latent + rng.normal(0, 0.5, n_items) > -0.5 + 0.02 * (m % 4)).astype(float)
        else:
            types[name] = "continuous"
            base = rng.beta(4, 2, n_items)
            a = np.clip(base + rng.normal(0, 0.05, n_items), 0, 1)
            b = np.clip(base + rng.normal(-0.005 * (m % 3), 0.05, n_items), 0, 1)
        parts.append(ex.assign(system="baseline", metric=name, value=a))
        parts.append(ex.assign(system="candidate", metric=name, value=b))
    return pd.concat(parts, ignore_index=True), types


def naive(df: pd.DataFrame, types: dict[str, str], n_resamples: int, subset: int, seed: int = 0):
    """Per-cell loop; returns (extrapolated seconds, measured seconds, cells run, cells total)."""
    wide = df.pivot_table(index=["example_id", *SLICE_LEVELS], columns=["system", "metric"], values="value")
    wide = wide.reset_index()
    cells = [("all", "all", np.ones(len(wide), bool))]
    for col in SLICE_LEVELS:
        for v in sorted(wide[col].unique()):
            cells.append((col, v, (wide[col] == v).to_numpy()))
    cont = [(m, c) for m in types for c in cells if types[m] == "continuous"]
    binm = [(m, c) for m in types for c in cells if types[m] == "binary"]
    t0, c0 = time.perf_counter(), time.process_time()
    for m, (_, _, mask) in binm:  # binary cells: cheap, all run
        a = wide[("baseline", m)].to_numpy()[mask] >= 0.5
        b = wide[("candidate", m)].to_numpy()[mask] >= 0.5
        mcnemar(np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]]), exact=True)
    t_bin = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(cont), size=min(subset, len(cont)), replace=False)
    t0 = time.perf_counter()
    for i in pick:
        m, (_, _, mask) = cont[i]
        a = wide[("baseline", m)].to_numpy()[mask]
        b = wide[("candidate", m)].to_numpy()[mask]
        stats.bootstrap(
            (a, b),
            lambda x, y, axis=-1: y.mean(axis) - x.mean(axis),
            paired=True,
            method="BCa",
            n_resamples=n_resamples,
            random_state=int(i),
        )
    t_cont = time.perf_counter() - t0
    c_all = time.process_time() - c0
    scale = len(cont) / len(pick)
    est = t_bin + t_cont * scale
    est_cpu = c_all * scale  # upper-ish: binary part is negligible
    return est, est_cpu, t_bin + t_cont, len(binm) + len(pick), len(binm) + len(cont)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    ap.add_argument("--items", type=int)
    ap.add_argument("--metrics", type=int)
    ap.add_argument("--resamples", type=int)
    ap.add_argument("--naive-subset", type=int)
    args = ap.parse_args()
    n_items = args.items or (1000 if args.quick else 2000)
    n_metrics = args.metrics or (6 if args.quick else 20)
    n_res = args.resamples or (5000 if args.quick else 10_000)
    subset = args.naive_subset or (5 if args.quick else 12)
    df, types = synth(n_items, n_metrics)
    cfg = CompareConfig(
        baseline="baseline",
        candidates=["candidate"],
        metrics=types,
        primary_metric="metric_01",
        n_resamples=n_res,
        slice_columns=list(SLICE_LEVELS),
    )
    warm, wtypes = synth(200, 2)
    compare_systems(
        warm, CompareConfig(baseline="baseline", metrics=wtypes, n_resamples=50)
    )  # warm-up imports
    t0, c0 = time.perf_counter(), time.process_time()
    out = compare_systems(df, cfg)
    t_fast, c_fast = time.perf_counter() - t0, time.process_time() - c0
    n_slices = out[["slice_key", "slice_value"]].drop_duplicates().shape[0]
    print(
        f"report: 2 systems x {n_metrics} metrics x {n_slices} slices (incl. 'all') = {len(out)} cells, "
        f"{n_items} items, B = {n_res:,} BCa resamples"
    )
    print(
        f"  vectorised compare_systems: {t_fast:8.2f} s wall, {c_fast:.2f} s CPU  (verdicts: "
        f"{out['verdict'].value_counts().to_dict()})"
    )
    est, est_cpu, measured, ran, total = naive(df, types, n_res, subset)
    print(
        f"  naive per-cell loop:        {est:8.2f} s wall, ~{est_cpu:.1f} s CPU  (extrapolated: ran {ran} of {total} cells in "
        f"{measured:.2f} s; all binary McNemar cells run, {subset} scipy BCa cells timed and scaled)"
    )
    print(f"  speed-up: {est / t_fast:.1f}x wall, {est_cpu / c_fast:.1f}x CPU")
    if not args.quick and t_fast > 10:
        print("  WARNING: above the 10 s target")


if __name__ == "__main__":
    main()

"""Simulation figures for issue 17 items 8-10: drift, PSI, layer probes, prompt sensitivity, power,
stratified SE -- the code before the fix ("old", loaded from git at OLD_REF) against the current one
("new"), on the same simulated data in the same run.

    .venv/bin/python benchmarks/monitoring.py                 # every part, full size
    .venv/bin/python benchmarks/monitoring.py --part drift    # drift | psi | probes | sensitivity | power | strata
    .venv/bin/python benchmarks/monitoring.py --quick         # small smoke run

Dev vs held-out: every figure is printed twice, on the "dev" seeds (0..9,999: the range the tests
and my tuning drew from) and on "held-out" seeds (10,000 + ...; never run before the code was
final).  Both splits use the same generators; they are independent because their seeds differ.
OLD_REF (env, default the commit this work started from) is where the old modules come from.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import types
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import importlib

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # this checkout's evalpipe, whatever the editable install points at

new_quality = importlib.import_module("evalpipe.monitoring.quality")
new_drift = importlib.import_module("evalpipe.stats.drift")
new_intervals = importlib.import_module("evalpipe.stats.intervals")
new_power = importlib.import_module("evalpipe.stats.power")
new_probes = importlib.import_module("evalpipe.stats.probes")
new_ps = importlib.import_module("evalpipe.stats.prompt_sensitivity")

# the old drift code divides by a zero SE on zero-count days (one of the bugs measured here)
warnings.filterwarnings("ignore", message="(divide by zero|invalid value)", category=RuntimeWarning)
OLD_REF = os.environ.get("OLD_REF", "17bb2cd606eaee724f524c133e2c07512585443d")
SPLITS = {"dev": 0, "held-out": 10_000}


def _old(path: str, name: str, replace: dict[str, str] | None = None) -> types.ModuleType:
    """The module at OLD_REF, imported under a private name (its own imports patched by `replace`)."""
    src = subprocess.run(
        ["git", "show", f"{OLD_REF}:{path}"], capture_output=True, text=True, check=True
    ).stdout
    for a, b in (replace or {}).items():
        src = src.replace(a, b)
    mod = types.ModuleType(name)
    sys.modules[name] = mod
    exec(compile(src, f"{OLD_REF[:7]}:{path}", "exec"), mod.__dict__)
    return mod


def _stable_series(
    rng: np.random.Generator, per_day: int, days: int = 53, err_from: int | None = None
) -> pd.DataFrame:
    """daily_quality rows of one system: error 3%, negative feedback 20% of the 25% rated,
    truncation 1%, lognormal latency; optional error step to 5% from day `err_from`."""
    rows = []
    for t, d in enumerate(pd.date_range("2026-01-01", periods=days).strftime("%Y-%m-%d")):
        rated = rng.binomial(per_day, 0.25)
        p_err = 0.05 if err_from is not None and t >= err_from else 0.03
        for metric, k, n in (
            ("error_rate", rng.binomial(per_day, p_err), per_day),
            ("negative_feedback_rate", rng.binomial(rated, 0.2), rated),
            ("truncation_rate", rng.binomial(per_day, 0.01), per_day),
        ):
            p = k / n if n else np.nan
            se = np.sqrt(p * (1 - p) / n) if n else np.nan
            rows.append(
                {
                    "day": d,
                    "system": "m",
                    "metric": metric,
                    "value": p,
                    "n": n,
                    "se": se,
                    "latency_hist": None,
                }
            )
        lat = rng.lognormal(7, 0.4, per_day)
        hist = json.dumps(np.histogram(lat, bins=new_quality.LATENCY_EDGES)[0].tolist())
        for q, name in ((50, "latency_p50_ms"), (95, "latency_p95_ms")):
            rows.append(
                {
                    "day": d,
                    "system": "m",
                    "metric": name,
                    "value": float(np.percentile(lat, q)),
                    "n": per_day,
                    "se": np.nan,
                    "latency_hist": hist if q == 50 else None,
                }
            )
    return pd.DataFrame(rows)


def part_drift(runs: int) -> None:
    old_drift = _old("evalpipe/stats/drift.py", "old_drift")
    old_q = _old(
        "evalpipe/monitoring/quality.py",
        "old_quality",
        {"from evalpipe.stats.drift import cusum": "from old_drift import cusum"},
    )
    del old_drift
    print("\n## Drift: 53 stable days, the `no_quality_drift` check (old: any alarm or major PSI on any day,")
    print("##        7-day reference; new: self-starting CUSUM, latest day) and one error series")
    for split, base in SPLITS.items():
        for per_day in (300, 60):
            rng = np.random.default_rng(base + per_day)
            old_fail = new_fail = old_err = new_err = 0
            for _ in range(runs):
                s = _stable_series(rng, per_day)
                od = old_q.quality_drift(s, ref_days=7)
                old_fail += bool(od["alarm"].any() or (od["psi_label"] == "major").any())
                old_err += bool(od[od.metric == "error_rate"]["alarm"].any())
                nd = new_quality.quality_drift(s, ref_days=7)
                new_fail += not new_quality.drift_status(nd)["passed"]
                new_err += bool(nd[nd.metric == "error_rate"]["alarm"].any())
            print(
                f"  {split:8s} {per_day:3d}/day  check fails: old {old_fail / runs:6.1%}  new {new_fail / runs:6.1%}"
                f"   | error_rate alarms on any day: old {old_err / runs:6.1%}  new {new_err / runs:6.1%}  ({runs} runs)"
            )
        # power kept: error rate 3% -> 5% from day 35, 300/day: alarm on the last day (new) / any day >= 35 (old)
        rng = np.random.default_rng(base + 7)
        hit_old = hit_new = 0
        delays = []
        for _ in range(max(runs // 2, 10)):
            s = _stable_series(rng, 300, err_from=35)
            od = old_q.quality_drift(s, ref_days=7)
            e = od[od.metric == "error_rate"].reset_index(drop=True)
            hit_old += bool(e["alarm"].iloc[35:].any())
            nd = new_quality.quality_drift(s, ref_days=7)
            e = nd[nd.metric == "error_rate"].reset_index(drop=True)
            hit_new += bool(e["alarm"].iloc[-1])
            a = np.flatnonzero(e["alarm"].to_numpy()[35:])
            delays.append(a[0] if a.size else np.inf)
        n = max(runs // 2, 10)
        print(
            f"  {split:8s} step 3%->5% at day 35 (300/day): detected old {hit_old / n:6.1%} (any day)  "
            f"new {hit_new / n:6.1%} (check on day 53), median delay new {np.median(delays):.0f} days"
        )


def part_psi(runs: int) -> None:
    old_drift = _old("evalpipe/stats/drift.py", "old_drift")
    print("\n## PSI, 10 reference-quantile bins, reference n = 2,000: share of days labelled non-stable")
    for split, base in SPLITS.items():
        rng = np.random.default_rng(base + 1)
        ref = rng.normal(0, 1, 2000)
        for n, shift in ((50, 0.0), (300, 0.0), (50, 1.0), (300, 0.5)):
            o = w = 0
            for i in range(runs):
                cur = rng.normal(shift, 1, n)
                o += old_drift.psi(ref, cur)["label"] != "stable"
                w += new_drift.psi(ref, cur, seed=i)["label"] != "stable"
            what = "stable day " if shift == 0 else f"shift {shift} sd"
            print(f"  {split:8s} n={n:3d} {what}: old {o / runs:6.1%}  new {w / runs:6.1%}  ({runs} days)")


def _noise(seed: int, n_items: int = 60, reps: int = 3, n_layers: int = 8, dim: int = 16, rho: float = 0.7):
    rng = np.random.default_rng(seed)
    items = np.repeat(np.arange(n_items), reps)
    y = rng.integers(0, 2, n_items)[items]
    h = np.sqrt(rho) * rng.normal(size=(n_items, n_layers, dim))[items]
    return h + np.sqrt(1 - rho) * rng.normal(size=(items.size, n_layers, dim)), y, items


def part_probes(runs: int) -> None:
    old_p = _old("evalpipe/stats/probes.py", "old_probes")
    print(
        "\n## Layer probes on pure-noise layers (60 items x 3 paraphrases, item-correlated states, 8 layers)"
    )
    for split, base in SPLITS.items():
        res = {"old": [[], [], []], "new": [[], [], []]}
        t = {"old": 0.0, "new": 0.0}
        for r in range(runs):
            h, y, items = _noise(base + r)
            for name in ("old", "new"):
                t0 = time.perf_counter()
                if name == "old":
                    df, s = old_p.layer_probes(h, y, items, n_boot=500, seed=r)
                else:
                    df, s = new_probes.layer_probes(h, y, items, seed=r)
                t[name] += time.perf_counter() - t0
                res[name][0] += list((df.ci_low > 0.5) | (df.ci_high < 0.5))
                res[name][1] += list(df.auroc > s["null_95"])
                res[name][2].append(s["null_95"])
        for name in ("old", "new"):
            ex, ab, nu = res[name]
            print(
                f"  {split:8s} {name}: CI excludes 0.5 {np.mean(ex):6.1%}   AUROC > null 95th pct {np.mean(ab):6.1%}"
                f"   null 95th pct {np.mean(nu):.3f}   {t[name] / runs:.1f} s/run  ({len(ex)} layers)"
            )
        print(
            f"  {split:8s} _emergence([0,0,0,0,1], 0.5): old {old_p._emergence(np.array([0, 0, 0, 0, 1.0]), 0.5)}"
            f"  new {new_probes._emergence(np.array([0, 0, 0, 0, 1.0]), 0.5)}"
        )


def part_sensitivity(runs: int) -> None:
    old_ps = _old("evalpipe/stats/prompt_sensitivity.py", "old_ps")
    print("\n## Prompt sensitivity with no prompt effect (150 items x 6 paraphrases, pass rate 0.3-0.7)")
    for split, base in SPLITS.items():
        rng = np.random.default_rng(base + 3)
        of, nf, nx, oc = [], [], [], []
        for _ in range(runs):
            y = (rng.random((150, 6, 3)) < rng.uniform(0.3, 0.7, (150, 1, 1))).astype(float)
            i, p, r = np.meshgrid(*(np.arange(k) for k in y.shape), indexing="ij")
            df = pd.DataFrame({"item_id": i.ravel(), "paraphrase_id": p.ravel(), "value": y.ravel()})
            first = df[r.ravel() == 0]
            of.append(old_ps.prompt_sensitivity(first, n_perm=50)["flip_rate"])
            res = new_ps.prompt_sensitivity(df, kind="binary", n_perm=50)
            nf.append(res["flip_rate"])
            nx.append(res["excess_flip_rate"])
            cont = first.assign(value=first["value"] + rng.normal(0, 0.1, len(first)))
            oc.append(old_ps.prompt_sensitivity(cont, n_perm=50)["flip_rate"])
        print(
            f"  {split:8s} old flip rate {np.mean(of):.3f} (continuous: {np.mean(oc):.2f});  new flip rate "
            f"{np.mean(nf):.3f}, excess over its null {np.mean(nx):+.3f} (sd {np.std(nx):.3f}), continuous: None"
        )


def part_power(runs: int) -> None:
    print("\n## Design effect: 25 paraphrase clusters of 6 + 150 singletons (300 items)")
    sizes = np.r_[np.full(25, 6), np.ones(150, int)]
    cl = np.repeat(np.arange(sizes.size), sizes)
    for split, base in SPLITS.items():
        rng = np.random.default_rng(base + 4)
        for icc in (0.3, 0.84):
            means = [
                (
                    np.sqrt(icc) * rng.normal(size=sizes.size)[cl]
                    + np.sqrt(1 - icc) * rng.normal(size=cl.size)
                ).mean()
                for _ in range(runs * 20)
            ]
            emp = np.var(means) * cl.size
            old = 1 + (sizes.mean() - 1) * icc
            new = new_power.design_effect(cluster_sizes=sizes, icc=icc)
            print(
                f"  {split:8s} ICC {icc}: simulated {emp:.2f}  old (mean size) {old:.2f}  new (unequal) {new:.2f}"
                f"   -> required n old/new {old / new:.2f}"
            )


def part_strata(runs: int) -> None:
    old_i = _old("evalpipe/stats/intervals.py", "old_intervals")
    print("\n## Stratified weighted pass rate: 3 strata (n 40, 30, 1; N 4,000, 3,000, 1,500), p 0.9/0.95/0.8")
    n_h, big = np.array([40, 30, 1]), np.array([4000, 3000, 1500])
    p = np.array([0.9, 0.95, 0.8])
    truth = float(np.sum(big * p) / big.sum())
    strata = np.repeat(np.arange(3), n_h)
    for split, base in SPLITS.items():
        rng = np.random.default_rng(base + 5)
        cov = {"old": 0, "new": 0}
        out = {"old": 0, "new": 0}
        for _ in range(runs * 20):
            x = (rng.random(strata.size) < p[strata]).astype(float)
            pops = dict(enumerate(big.tolist()))
            for name, mod in (("old", old_i), ("new", new_intervals)):
                r = mod.stratified_weighted_mean(x, strata, population_sizes=pops)
                cov[name] += r.ci_low <= truth <= r.ci_high
                out[name] += r.ci_low < 0 or r.ci_high > 1
        n = runs * 20
        print(
            f"  {split:8s} 95% CI coverage: old {cov['old'] / n:6.1%}  new {cov['new'] / n:6.1%}   "
            f"outside [0, 1]: old {out['old'] / n:6.1%}  new {out['new'] / n:6.1%}"
        )


PARTS = {
    "drift": part_drift,
    "psi": part_psi,
    "probes": part_probes,
    "sensitivity": part_sensitivity,
    "power": part_power,
    "strata": part_strata,
}
FULL = {"drift": 200, "psi": 1000, "probes": 15, "sensitivity": 40, "power": 200, "strata": 200}
QUICK = {"drift": 20, "psi": 100, "probes": 2, "sensitivity": 5, "power": 10, "strata": 20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=[*PARTS, "all"], default="all")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=None, help="override the number of simulated runs")
    args = ap.parse_args()
    sizes = QUICK if args.quick else FULL
    for name in PARTS if args.part == "all" else [args.part]:
        t = time.perf_counter()
        PARTS[name](args.runs or sizes[name])
        print(f"  ({name}: {time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()

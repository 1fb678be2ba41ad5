"""Daily production quality series and their drift alarms (CUSUM on daily z, PSI on distributions).

A slow decline is invisible day to day; CUSUM accumulates small deviations until they matter.
The z of a day is self-starting (`evalpipe.stats.drift.self_starting_cusum`): rates from their
counts against the pooled earlier days (beta-binomial predictive, so a low-traffic or zero-count
day is neither a shift nor a zero SE), latency quantiles against the earlier days' mean and sd.
The `se` column of `daily_log_quality` is descriptive (the day's own binomial SE); drift does not
use it, because a day's own rate is the wrong null variance (0 on a zero-count day).
"""

from __future__ import annotations

import json
from typing import Literal

import numpy as np
import pandas as pd

from evalpipe.production.scoring import BINARY_METRICS, PRODUCTION_METRICS
from evalpipe.stats.drift import psi_counts, self_starting_cusum

# Fixed latency bin edges (ms) so that daily histograms are comparable across days.
LATENCY_EDGES = np.array([0, 250, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000, np.inf])
HIGHER_IS_WORSE = {
    "error_rate": True,
    "negative_feedback_rate": True,
    "truncation_rate": True,
    "latency_p50_ms": True,
    "latency_p95_ms": True,
    **{m: not better for m, better in PRODUCTION_METRICS.items()},
}
QUALITY_COLUMNS = [
    "day",
    "system",
    "metric",
    "value",
    "n",
    "se",
    "latency_hist",
    "n_clusters",
    "n_eff",
    "weighted",
]


def daily_log_quality(df: pd.DataFrame) -> pd.DataFrame:
    """One day of canonical rows -> long frame (day, system, metric, value, n, se, latency_hist)."""
    rows = []
    if df.empty:
        return pd.DataFrame(columns=["day", "system", "metric", "value", "n", "se", "latency_hist"])
    for (day, system), g in df.groupby(["day", df["request_model"].fillna("unknown")]):
        n = len(g)

        def rate(mask: pd.Series, denom: int) -> tuple[float, float]:
            p = float(mask.sum()) / denom if denom else float("nan")
            return p, float(np.sqrt(p * (1 - p) / denom)) if denom else float("nan")

        rated = g["feedback_score"].notna()
        lat = g["latency_ms"].dropna().to_numpy(dtype=float)
        hist = np.histogram(lat, bins=LATENCY_EDGES)[0].tolist() if lat.size else []
        for metric, (value, se), count in (
            ("error_rate", rate(g["status"] == "error", n), n),
            (
                "negative_feedback_rate",
                rate(g.loc[rated, "feedback_score"] < 0, int(rated.sum())),
                int(rated.sum()),
            ),
            ("truncation_rate", rate(g["finish_reason"] == "length", n), n),
        ):
            rows.append(
                {
                    "day": day,
                    "system": system,
                    "metric": metric,
                    "value": value,
                    "n": count,
                    "se": se,
                    "latency_hist": None,
                }
            )
        for q, name in ((50, "latency_p50_ms"), (95, "latency_p95_ms")):
            rows.append(
                {
                    "day": day,
                    "system": system,
                    "metric": name,
                    "value": float(np.percentile(lat, q)) if lat.size else float("nan"),
                    "n": int(lat.size),
                    "se": float("nan"),
                    "latency_hist": json.dumps(hist) if name == "latency_p50_ms" else None,
                }
            )
    return pd.DataFrame(rows)


def production_quality(scores: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """production_scores of one day -> daily_quality rows per (day, production model, metric).

    value = design-weighted mean of the checkable rows (Σ w·y / Σ w; a rate for binary metrics,
    the mean score for faithfulness / judge_score); se = session-clustered linearisation SE,
    √(C/(C−1) · Σ_c (Σ_{i∈c} w_i (y_i − ȳ))²) / Σ w (calls of one session are not independent; no
    finite-population correction: the day is a sample of the process).  n = checkable calls,
    n_clusters = sessions, n_eff = ȳ(1 − ȳ)/se² for rates (Kish's effective size, what the drift
    monitor's binomial predictive counts in; = n without clustering or weights).  Not-checkable
    rows count in neither n nor the mean.
    """
    cols = QUALITY_COLUMNS
    if scores is None or not len(scores):
        return pd.DataFrame(columns=cols)
    s = scores[scores["status"] == "ok"].dropna(subset=["value"])
    if metrics is not None:
        s = s[s["metric"].isin(metrics)]
    rows = []
    for (day, system, metric), g in s.groupby(["day", "production_model", "metric"], sort=True):
        w, y = g["weight"].to_numpy(dtype=float), g["value"].to_numpy(dtype=float)
        sw = w.sum()
        mean = float((w * y).sum() / sw)
        cl = g["session_id"].fillna(g["record_id"]).to_numpy()
        resid = pd.Series(w * (y - mean)).groupby(cl).sum().to_numpy()
        c = resid.size
        se = float(np.sqrt(c / (c - 1) * np.sum(resid**2)) / sw) if c > 1 else float("nan")
        n = int(len(g))
        if metric in BINARY_METRICS:
            var = mean * (1 - mean)
            n_eff = float(min(n, var / se**2)) if se and se > 0 and var > 0 else float(n)
        else:
            n_eff = float("nan")
        rows.append(
            {
                "day": day,
                "system": system,
                "metric": metric,
                "value": mean,
                "n": n,
                "se": se,
                "latency_hist": None,
                "n_clusters": int(c),
                "n_eff": n_eff,
                "weighted": bool(np.any(w != 1.0)),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def psi_from_counts(ref: np.ndarray, cur: np.ndarray, eps: float = 1e-4) -> float:
    p = np.maximum(ref / max(ref.sum(), 1), eps)
    q = np.maximum(cur / max(cur.sum(), 1), eps)
    return float(np.sum((q - p) * np.log(q / p)))


def psi_label(v: float) -> str:
    """Severity of a PSI value alone (no small-sample null: prefer `psi_counts(...)['label']`)."""
    return "stable" if v < 0.1 else ("moderate" if v <= 0.25 else "major")


RATE_METRICS = ("error_rate", "negative_feedback_rate", "truncation_rate")


def quality_drift(
    series: pd.DataFrame,
    ref_days: int = 7,
    k: float = 0.5,
    h: float = 5.0,
    max_ref_days: int = 90,
    psi_min_n: int = 30,
    psi_alpha: float = 0.01,
) -> pd.DataFrame:
    """Self-starting CUSUM per (system, metric) over days; alarms only in the direction that means worse.

    Each day is compared with all earlier days (up to `max_ref_days`, frozen at the first alarm);
    the first `ref_days` days are burn-in (not monitored).  `alarm` marks the days on which the
    CUSUM is above h (no reset), so the latest day's alarm says whether the series is drifted now.
    Rates use their counts (value·n); latency p50/p95 their logs (`value` stays in ms).  The latency PSI of each day
    is against the pooled histogram of the earlier reference days, labelled with a small-sample
    null at level `psi_alpha` and a minimum of `psi_min_n` requests ('insufficient' below).
    One-sided k = 0.5, h = 5 has ARL0 ≈ 930 days per series.
    """
    out = []
    for (system, metric), g in series.sort_values("day").groupby(["system", "metric"]):
        g = g.reset_index(drop=True)
        if len(g) <= ref_days:
            continue
        side: Literal["up", "down"] = "up" if HIGHER_IS_WORSE.get(metric, False) else "down"
        if metric in BINARY_METRICS:
            # Design-weighted, session-clustered rates: counts on Kish's effective size, so the
            # beta-binomial predictive carries the design effect instead of assuming iid calls.
            ne = g["n_eff"].to_numpy(dtype=float) if "n_eff" in g else g["n"].to_numpy(dtype=float)
            ne = np.round(np.where(np.isfinite(ne), ne, g["n"].to_numpy(dtype=float)))
            counts = np.round(np.nan_to_num(g["value"].to_numpy(dtype=float)) * ne)
            c = self_starting_cusum(
                counts=counts, n=ne, k=k, h=h, side=side, burn_in=ref_days, max_ref=max_ref_days
            )
        elif metric in RATE_METRICS:
            n = g["n"].to_numpy(dtype=float)
            counts = np.round(np.nan_to_num(g["value"].to_numpy(dtype=float)) * n)
            c = self_starting_cusum(
                counts=counts, n=n, k=k, h=h, side=side, burn_in=ref_days, max_ref=max_ref_days
            )
        else:
            v = g["value"].to_numpy(dtype=float)
            if metric.startswith("latency"):
                # Daily latency quantiles are right-skewed (a p95 of 60 requests especially); on the
                # log scale they are near normal, which the self-starting z assumes, and a shift is
                # relative, as latency changes usually are.
                v = np.log(np.where(v > 0, v, np.nan))
            c = self_starting_cusum(v, k=k, h=h, side=side, burn_in=ref_days, max_ref=max_ref_days)
        frame = pd.DataFrame(
            {
                "system": system,
                "metric": metric,
                "day": g["day"],
                "value": g["value"],
                "z": c["z"].to_numpy(),
                "s_hi": c["s_hi"].to_numpy(),
                "s_lo": c["s_lo"].to_numpy(),
                "alarm": c["alarm"].to_numpy(),
                "psi": np.nan,
                "psi_label": None,
            }
        )
        if metric == "latency_p50_ms" and g["latency_hist"].notna().all():
            hists = np.array([json.loads(x) for x in g["latency_hist"]], dtype=float)
            psis, labels = [np.nan] * len(g), [None] * len(g)
            for t in range(ref_days, len(g)):
                ref = hists[: min(t, max_ref_days)].sum(axis=0)
                r = psi_counts(ref, hists[t], min_n=psi_min_n, alpha=psi_alpha, n_sim=1000, seed=t)
                psis[t], labels[t] = r["psi"], r["label"]
            frame["psi"] = psis
            frame["psi_label"] = labels
        out.append(frame)
    cols = ["system", "metric", "day", "value", "z", "s_hi", "s_lo", "alarm", "psi", "psi_label"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def drift_status(drift: pd.DataFrame) -> dict:
    """What the `no_quality_drift` check decides on: series drifted *now* (latest day of each).

    A CUSUM above h on a series' latest day, or a 'major' latency PSI on it.  Old alarm days
    that have since recovered are history, not a failing check: over 53 stable days and five
    series, "any alarm ever" fails most healthy systems (measured: 66% at 300 requests/day).
    """
    if not len(drift):
        return {"passed": True, "cusum_alarms": [], "major_psi_days": [], "alarm_days": 0}
    last = drift.sort_values("day").groupby(["system", "metric"]).tail(1)
    alarms = last[last["alarm"].astype(bool)]
    major = last[last["psi_label"] == "major"]
    records = []
    for a in alarms[["system", "metric", "day"]].to_dict("records"):
        g = drift[(drift["system"] == a["system"]) & (drift["metric"] == a["metric"])].sort_values("day")
        records.append({**a, **alarm_window(g, HIGHER_IS_WORSE.get(a["metric"], False))})
    return {
        "passed": len(alarms) == 0 and len(major) == 0,
        "cusum_alarms": records,
        "major_psi_days": major[["system", "day"]].to_dict("records"),
        "alarm_days": int(drift["alarm"].astype(bool).sum()),
    }


def alarm_window(series: pd.DataFrame, higher_is_worse: bool) -> dict:
    """Since when a series is drifted: `since` = first day of its current run of alarm days,
    `onset` = the CUSUM change-point estimate (the day after the worse-side sum last stood at 0
    before that run): the day the shift most likely began, usually days before the alarm."""
    g = series.reset_index(drop=True)
    alarm = g["alarm"].astype(bool).to_numpy()
    if not alarm.size or not alarm[-1]:
        return {"since": None, "onset": None, "alarm_days_now": 0}
    start = alarm.size - 1
    while start > 0 and alarm[start - 1]:
        start -= 1
    s = g["s_hi" if higher_is_worse else "s_lo"].to_numpy(dtype=float)
    zero = [t for t in range(start) if not s[t] > 0]
    onset = zero[-1] + 1 if zero else 0
    return {
        "since": str(g["day"].iloc[start]),
        "onset": str(g["day"].iloc[onset]),
        "alarm_days_now": int(alarm.size - start),
    }

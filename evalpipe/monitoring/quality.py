"""Daily production quality series and their drift alarms (CUSUM on daily z, PSI on distributions).

A slow decline is invisible day to day; CUSUM accumulates small deviations until they matter.
Rates get a per-day binomial standard error, so a low-traffic day is not mistaken for a shift.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from evalpipe.stats.drift import cusum

# Fixed latency bin edges (ms) so that daily histograms are comparable across days.
LATENCY_EDGES = np.array([0, 250, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000, np.inf])
HIGHER_IS_WORSE = {
    "error_rate": True,
    "negative_feedback_rate": True,
    "truncation_rate": True,
    "latency_p50_ms": True,
    "latency_p95_ms": True,
}


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


def psi_from_counts(ref: np.ndarray, cur: np.ndarray, eps: float = 1e-4) -> float:
    p = np.maximum(ref / max(ref.sum(), 1), eps)
    q = np.maximum(cur / max(cur.sum(), 1), eps)
    return float(np.sum((q - p) * np.log(q / p)))


def psi_label(v: float) -> str:
    return "stable" if v < 0.1 else ("moderate" if v <= 0.25 else "major")


def quality_drift(series: pd.DataFrame, ref_days: int = 7, k: float = 0.5, h: float = 5.0) -> pd.DataFrame:
    """CUSUM per (system, metric) over days; alarms only in the direction that means worse.

    The first `ref_days` days are the reference (mean, and sd when no per-day SE exists).  Also
    adds the latency-distribution PSI of each day against the pooled reference histogram.
    """
    out = []
    for (system, metric), g in series.sort_values("day").groupby(["system", "metric"]):
        g = g.reset_index(drop=True)
        if len(g) <= ref_days:
            continue
        se = g["se"].to_numpy(dtype=float)
        use_se = np.isfinite(se).all() and (se > 0).all()
        side = "up" if HIGHER_IS_WORSE.get(metric, False) else "down"
        c = cusum(
            g["value"].to_numpy(dtype=float), ref=ref_days, k=k, h=h, side=side, se=se if use_se else None
        )
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
            ref = hists[:ref_days].sum(axis=0)
            psis = [psi_from_counts(ref, hh) for hh in hists]
            frame["psi"] = psis
            frame["psi_label"] = [psi_label(v) for v in psis]
        out.append(frame)
    cols = ["system", "metric", "day", "value", "z", "s_hi", "s_lo", "alarm", "psi", "psi_label"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)

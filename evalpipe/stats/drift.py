"""Drift over days: CUSUM on daily z-scores and the population stability index (PSI)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd


def cusum(
    values: np.ndarray | pd.Series,
    ref: slice | int = 14,
    k: float = 0.5,
    h: float = 5.0,
    side: Literal["both", "up", "down"] = "both",
    ref_mean: float | None = None,
    ref_sd: float | None = None,
    se: np.ndarray | None = None,
    reset: bool = True,
) -> pd.DataFrame:
    """Tabular CUSUM on z_t = (x_t − μ0)/σ0 (k = 0.5, h = 5: ≈ one false alarm in 465 days two-sided).

    values: one number per day (e.g. the daily mean score), in day order (a Series index is kept).
    μ0, σ0 come from the reference window `ref` (an int = first `ref` days, or a slice) unless
    given.  If `se` (per-day standard error of the daily mean) is given, z_t = (x_t − μ0)/se_t
    instead, which accounts for varying daily volume.  After an alarm the sums restart at 0 when
    `reset`.  Returns a frame with z, s_hi, s_lo, alarm (bool); alarm days are
    `df.index[df.alarm]`.  Monitoring starts after the reference window.

    The nominal ARL0 assumes μ0, σ0 known.  Estimated from a short window they are noisy: with 20
    reference days the chance of a false alarm in the next 40 days is ~28% instead of ~9%
    (measured in evalpipe_tests/stats/test_drift.py); use ≥ 30-60 reference days or pass `se`.
    A slow drift of 0.1 sd/day is flagged after ~12 days (median; noise-free: 15 days).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=float))
    x = s.to_numpy(dtype=float)
    window = slice(0, ref) if isinstance(ref, int) else ref
    r = x[window]
    mu = float(np.nanmean(r)) if ref_mean is None else float(ref_mean)
    sd = float(np.nanstd(r, ddof=1)) if ref_sd is None else float(ref_sd)
    start = window.stop if (ref_mean is None and window.stop is not None) else 0
    z = (x - mu) / (np.asarray(se, dtype=float) if se is not None else sd)
    n = x.size
    s_hi, s_lo = np.zeros(n), np.zeros(n)
    alarm = np.zeros(n, dtype=bool)
    hi = lo = 0.0
    for t in range(start, n):
        zt = z[t] if np.isfinite(z[t]) else 0.0
        hi = max(0.0, hi + zt - k)
        lo = max(0.0, lo - zt - k)
        fired = (side in ("both", "up") and hi > h) or (side in ("both", "down") and lo > h)
        s_hi[t], s_lo[t] = hi, lo
        if fired:
            alarm[t] = True
            if reset:
                hi = lo = 0.0
    return pd.DataFrame({"value": x, "z": z, "s_hi": s_hi, "s_lo": s_lo, "alarm": alarm}, index=s.index)


def psi(reference: np.ndarray, current: np.ndarray, bins: int | np.ndarray = 10, eps: float = 1e-4) -> dict:
    """Population stability index Σ (p_cur − p_ref)·ln(p_cur/p_ref) over bins of the reference.

    Bins: reference quantiles (an int) or explicit edges; values outside go to the end bins.
    Discrete scores with tied quantiles collapse to fewer bins.  Empty bins are floored at eps.
    Label: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major.  It is an effect size: alarm on it,
    not on a p-value (a p-value is always small with enough traffic).
    """
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    if np.ndim(bins) == 0:
        edges = np.unique(np.quantile(ref, np.linspace(0, 1, int(bins) + 1)))
    else:
        edges = np.asarray(bins, dtype=float)
    inner = edges[1:-1]
    p_ref = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=inner.size + 1) / ref.size
    p_cur = np.bincount(np.searchsorted(inner, cur, side="right"), minlength=inner.size + 1) / cur.size
    p_ref, p_cur = np.maximum(p_ref, eps), np.maximum(p_cur, eps)
    value = float(np.sum((p_cur - p_ref) * np.log(p_cur / p_ref)))
    label = "stable" if value < 0.1 else ("moderate" if value <= 0.25 else "major")
    return {
        "psi": value,
        "label": label,
        "edges": edges.tolist(),
        "p_ref": p_ref.tolist(),
        "p_cur": p_cur.tolist(),
    }

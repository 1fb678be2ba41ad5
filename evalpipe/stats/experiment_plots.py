"""Plots for production experiments and metric validity (PNG bytes, for reports and UI metadata)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalpipe.stats.plots import _png, plt


def sequential_plot(readings: pd.DataFrame, metric: str, z: float = 1.96) -> bytes:
    """Nightly estimate with the naive fixed-n interval (what a dashboard shows, not valid when
    peeked at) and the always-valid confidence sequence (running intersection), per day.

    `readings` is `ExperimentResult.readings`.
    """
    rd = readings[readings["metric"] == metric].reset_index(drop=True)
    x = np.arange(len(rd))
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ax.fill_between(
        x,
        rd["diff"] - z * rd["se_clustered"],
        rd["diff"] + z * rd["se_clustered"],
        color="#bdc3c7",
        alpha=0.6,
        label="fixed-n 95% CI (invalid under peeking)",
    )
    lo = rd["cs_low"].replace(-np.inf, np.nan)
    hi = rd["cs_high"].replace(np.inf, np.nan)
    ax.plot(x, lo, color="#2c3e50", lw=1.5, label="always-valid confidence sequence")
    ax.plot(x, hi, color="#2c3e50", lw=1.5)
    ax.plot(x, rd["diff"], "o-", color="#c0392b", ms=3, lw=1, label="estimate (treatment − control)")
    ax.axhline(0, color="k", lw=0.8)
    step = max(1, len(rd) // 10)
    ax.set_xticks(x[::step], [str(d) for d in rd["day"][::step]], fontsize=7, rotation=30)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric}: nightly readings", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    return _png(fig)


def calibration_plot(calibration: pd.DataFrame, metric: str, outcome: str | None = None) -> bytes:
    """Observed outcome rate (Wilson 95% CI) per metric bin, one line per outcome.

    `calibration` is `ValidityResult.calibration`.
    """
    cal = calibration[calibration["metric"] == metric]
    if outcome is not None:
        cal = cal[cal["outcome"] == outcome]
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for name, grp in cal.groupby("outcome", sort=False):
        grp = grp.sort_values("metric_mean")
        err = np.vstack([grp["outcome_rate"] - grp["rate_low"], grp["rate_high"] - grp["outcome_rate"]])
        ax.errorbar(
            grp["metric_mean"], grp["outcome_rate"], yerr=err, fmt="o-", ms=3, capsize=2, label=str(name)
        )
    ax.set_xlabel(f"{metric} (bin mean)")
    ax.set_ylabel("observed outcome rate")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{metric}: calibration against user outcomes", fontsize=9)
    ax.legend(fontsize=7)
    return _png(fig)

"""Matplotlib (Agg) helpers returning PNG bytes, for reports and Dagster metadata."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

_VERDICT_COLORS = {
    "regression": "#c0392b",
    "improvement": "#27ae60",
    "no_change": "#7f8c8d",
    "trivial": "#2980b9",
    "inconclusive": "#f39c12",
    "untestable": "#bdc3c7",
}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def forest_plot(comparison: pd.DataFrame, title: str = "B − A with 95% CI", max_rows: int = 60) -> bytes:
    """Forest plot of `diff` with [ci_low, ci_high] per row of a compare_systems frame.

    Rows are labelled metric [slice_key=slice_value] and coloured by verdict; the dashed lines
    are ±tolerance when one is set.
    """
    df = comparison.head(max_rows).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(df) + 1.4))
    ypos = np.arange(len(df))[::-1]
    for yv, r in zip(ypos, df.itertuples(), strict=True):
        col = _VERDICT_COLORS.get(getattr(r, "verdict", ""), "k")
        ax.plot([r.ci_low, r.ci_high], [yv, yv], color=col, lw=2)
        ax.plot(r.diff, yv, "o", color=col, ms=4)
    labels = [f"{r.metric} [{r.slice_key}={r.slice_value}]" for r in df.itertuples()]
    ax.set_yticks(ypos, labels, fontsize=7)
    ax.axvline(0, color="k", lw=0.8)
    tol = df["tolerance"].max() if "tolerance" in df and len(df) else 0
    if tol and tol > 0:
        for t in (-tol, tol):
            ax.axvline(t, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("difference (candidate − baseline)")
    ax.set_title(title)
    return _png(fig)


def auroc_depth_plot(
    per_layer: pd.DataFrame, summary: dict | None = None, title: str = "Probe AUROC by depth"
) -> bytes:
    """AUROC (with CI band) against relative depth l/L; grey band up to the null's 95th percentile."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    x = per_layer["rel_depth"].to_numpy()
    ax.fill_between(x, per_layer["ci_low"], per_layer["ci_high"], alpha=0.25, color="C0")
    ax.plot(x, per_layer["auroc"], "-o", ms=3, color="C0", label="probe AUROC")
    null = (summary or {}).get("null_95", float(np.nanmax(per_layer.get("null_95", [0.5]))))
    ax.axhspan(0.5 - (null - 0.5), null, color="grey", alpha=0.2, label="shuffled-label null (95%)")
    if summary:
        if summary.get("best_baseline"):
            ax.axhline(
                summary["best_baseline_auroc"],
                color="C3",
                ls="--",
                lw=1,
                label=f"baseline: {summary['best_baseline']}",
            )
        if summary.get("emergence_layer") is not None:
            ax.axvline(summary["emergence_rel_depth"], color="C2", ls=":", label="emergence")
    ax.set_xlabel("relative depth l/L")
    ax.set_ylabel("out-of-fold AUROC")
    ax.set_ylim(0.3, 1.02)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title)
    return _png(fig)


def drift_plot(cusum_frame: pd.DataFrame, title: str = "Daily score with CUSUM alarms") -> bytes:
    """Daily values (top) and the CUSUM sums (bottom) with alarm days marked."""
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7.5, 5), sharex=True)
    x = np.arange(len(cusum_frame))
    a1.plot(x, cusum_frame["value"], "-o", ms=2.5)
    al = cusum_frame["alarm"].to_numpy()
    a1.plot(x[al], cusum_frame["value"].to_numpy()[al], "rv", ms=7, label="alarm")
    a1.set_ylabel("daily value")
    a1.legend(fontsize=7)
    a2.plot(x, cusum_frame["s_hi"], label="S+")
    a2.plot(x, cusum_frame["s_lo"], label="S−")
    a2.set_ylabel("CUSUM")
    a2.set_xlabel("day")
    a2.legend(fontsize=7)
    a1.set_title(title)
    return _png(fig)

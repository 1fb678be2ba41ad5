"""Metric validity over a window of production days: does a metric predict what users experienced?

Why: a metric that does not predict thumbs-down or escalation is a proxy that can be optimised
while quality falls, so the comparison report should say which gating metrics are worth gating on.

Inputs are the two daily tables the pipeline already has: `scrubbed_logs` (canonical `llm_call`
rows: sessions, messages, feedback) and `production_scores` (long: one row per call x metric,
`value` null when the metric was not checkable).  The metrics are every production metric present
in the window (the same code as `example_metrics`, so `faithfulness` and `judge_score` are the
offline metrics that exist on production calls) plus `answer_words`, the answer's length, as the
control a validity analysis must beat.  Outcomes (`evalpipe.stats.validity.derive_user_outcomes`):
`negative_feedback` (thumbs-down) and `escalation`, the documented proxy: the user asks again in
the next call of the session (a rephrase or a complaint such as "that's not right"), or the
assistant calls a human-handoff tool in this or the next answer.  The statistics (AUROC and
Spearman with session-clustered bootstrap CIs, disagreement share, calibration bins, verdict) are
`evalpipe.stats.validity.metric_validity`; this module only shapes the inputs and the outputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from evalpipe.production.scoring import PRODUCTION_METRICS
from evalpipe.stats.validity import (
    VALIDITY_COLUMNS,
    ValidityConfig,
    ValidityMetric,
    ValidityResult,
    derive_user_outcomes,
    metric_validity,
)

LENGTH_METRIC = "answer_words"
CALL_COLUMNS = [
    "record_id",
    "day",
    "session_id",
    "user_id",
    "started_at",
    "turn_index",
    "input_messages",
    "output_messages",
    "feedback_score",
    "request_model",
    "metadata",
    "system_instructions",
    "tags",
]


def default_config_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "metric_validity.yaml"


@dataclass
class MetricValidityConfig:
    """What `data/metric_validity.yaml` declares."""

    window_days: int = 14
    outcomes: tuple[str, ...] = ("negative_feedback", "escalation")
    feedback_population: Literal["all", "rated"] = "all"
    metrics: dict[str, bool] = field(default_factory=lambda: {**PRODUCTION_METRICS, LENGTH_METRIC: True})
    min_events: int = 30
    predictive_low: float = 0.55
    n_boot: int = 1000
    n_bins: int = 10
    seed: int = 0
    escalation_window_s: float = 1800.0

    @classmethod
    def load(cls, path: str | Path | None = None) -> MetricValidityConfig:
        """From the typed file model; a missing file means the defaults."""
        from evalpipe.config import MetricValidityFile, load_config

        p = Path(path or default_config_path())
        f = load_config(p, MetricValidityFile) if p.exists() else MetricValidityFile()
        return cls(
            window_days=f.window_days,
            outcomes=tuple(f.outcomes),
            feedback_population=f.feedback_population,
            metrics=dict(f.metrics) if f.metrics else cls().metrics,
            min_events=f.min_events,
            predictive_low=f.predictive_low,
            n_boot=f.n_boot,
            n_bins=f.n_bins,
            seed=f.seed,
            escalation_window_s=f.escalation_window_s,
        )


def answer_words(output_messages: Any) -> float:
    """Word count of the answer's text parts (NaN when the call produced no text)."""
    if output_messages is None or (isinstance(output_messages, float) and np.isnan(output_messages)):
        return float("nan")
    try:
        msgs = json.loads(output_messages) if isinstance(output_messages, str) else output_messages
    except ValueError:
        return float("nan")
    text = " ".join(
        str(p.get("content", ""))
        for m in msgs or []
        if isinstance(m, dict)
        for p in m.get("parts") or []
        if isinstance(p, dict) and p.get("type") == "text"
    )
    return float(len(text.split())) if text.strip() else float("nan")


def window(days: list[str], window_days: int) -> list[str]:
    """The last `window_days` days present."""
    return sorted(set(days))[-window_days:] if window_days > 0 else sorted(set(days))


def wide_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """production_scores (long) -> one row per record_id, one column per metric (NaN = not checkable)."""
    if scores is None or len(scores) == 0:
        return pd.DataFrame(columns=["record_id"])
    s = scores[["record_id", "metric", "value", "status"]].copy()
    s["value"] = pd.to_numeric(s["value"], errors="coerce").where(s["status"] == "ok")
    wide = s.pivot_table(index="record_id", columns="metric", values="value", aggfunc="first", dropna=False)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def call_table(logs: pd.DataFrame, scores: pd.DataFrame, window_days: int | None = None) -> pd.DataFrame:
    """One row per logged call in the window: its llm_call fields, its metric values and `answer_words`.

    Calls with no production score (not drawn by the sampler) keep NaN metrics; they still count for
    the session structure of the escalation proxy.
    """
    cols = [c for c in CALL_COLUMNS if c in logs.columns]
    calls = logs[cols].copy()
    if window_days is not None and len(calls):
        calls = calls[calls["day"].isin(window(calls["day"].tolist(), window_days))]
    wide = wide_scores(scores)
    calls = calls.merge(wide, on="record_id", how="left")
    calls[LENGTH_METRIC] = [answer_words(m) for m in calls.get("output_messages", [None] * len(calls))]
    return calls.reset_index(drop=True)


@dataclass
class ValidityRun:
    """The validity result plus what the window held."""

    result: ValidityResult
    days: list[str]
    n_calls: int
    metrics: list[str]
    outcome_counts: dict[str, int]

    def summary_table(self) -> pd.DataFrame:
        """One row per metric: verdict, best outcome, AUROC (CI), disagreement on negative feedback."""
        t = self.result.table
        s = self.result.summary.copy()
        neg = t[t["outcome"] == "negative_feedback"].set_index("metric")
        s["disagree_share"] = s["metric"].map(neg["disagree_share"]) if len(neg) else np.nan
        s["n"] = s["metric"].map(neg["n"]) if len(neg) else np.nan
        return s


def run_metric_validity(logs: pd.DataFrame, scores: pd.DataFrame, cfg: MetricValidityConfig) -> ValidityRun:
    """Validity of every configured metric present in the window against the user outcomes."""
    calls = call_table(logs, scores, cfg.window_days)
    outcomes = derive_user_outcomes(
        calls, feedback_population=cfg.feedback_population, window_s=cfg.escalation_window_s
    )
    calls = pd.concat([calls, outcomes], axis=1)
    present = [m for m in cfg.metrics if m in calls.columns and calls[m].notna().any()]
    vcfg = ValidityConfig(
        metrics={m: ValidityMetric(higher_is_better=cfg.metrics[m]) for m in present},
        outcomes=tuple(cfg.outcomes),
        n_boot=cfg.n_boot,
        min_events=cfg.min_events,
        predictive_low=cfg.predictive_low,
        n_bins=cfg.n_bins,
        seed=cfg.seed,
    )
    if present:
        result = metric_validity(calls, vcfg)
    else:
        empty = pd.DataFrame(columns=VALIDITY_COLUMNS)
        result = ValidityResult(empty, pd.DataFrame(), pd.DataFrame(columns=["metric", "verdict"]))
    counts = {o: int(np.nansum(calls[o].to_numpy(dtype=float))) for o in cfg.outcomes if o in calls}
    return ValidityRun(result, sorted(set(calls["day"])) if len(calls) else [], len(calls), present, counts)


def validity_markdown(run: ValidityRun) -> str:
    """The validity table as Markdown (one row per metric x outcome)."""
    t = run.result.table
    if t.empty:
        return "no metric with scores in the window"
    head = (
        f"Window {run.days[0]} … {run.days[-1]} ({len(run.days)} days, {run.n_calls} calls); "
        + ", ".join(f"{k}: {v}" for k, v in run.outcome_counts.items())
        + "\n\n| metric | outcome | n | events | AUROC [95% CI] | Spearman [95% CI] | disagree | verdict |\n"
        + "|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for r in t.itertuples():
        auc = "–" if not np.isfinite(r.auroc) else f"{r.auroc:.3f} [{r.auroc_low:.3f}, {r.auroc_high:.3f}]"
        rho = (
            "–"
            if not np.isfinite(r.spearman)
            else f"{r.spearman:.3f} [{r.spearman_low:.3f}, {r.spearman_high:.3f}]"
        )
        dis = "–" if not np.isfinite(r.disagree_share) else f"{r.disagree_share:.1%}"
        rows.append(
            f"| {r.metric} | {r.outcome} | {r.n} | {r.events} | {auc} | {rho} | {dis} | "
            f"{r.verdict}{' (inverted)' if r.inverted else ''} |"
        )
    return head + "\n".join(rows)


# --------------------------------------------------------------------------------------------
# The comparison report's side: verdicts next to gating metrics
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GateValidityPolicy:
    """How the gate treats a gating metric whose production validity is `not predictive`.

    mode: `warn` (a reason in the gate, the decision unchanged) or `exclude` (the metric leaves the
    gate, as an uncalibrated judge does).  metric_map: report metric -> validity metric (default:
    the report metric's `source`, then its own name).
    """

    mode: Literal["warn", "exclude"] = "warn"
    metric_map: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_report_yaml(cls, raw: dict | None) -> GateValidityPolicy:
        mv = (raw or {}).get("metric_validity") or {}
        mode = str(mv.get("on_not_predictive", "warn"))
        if mode not in ("warn", "exclude"):
            raise ValueError(f"metric_validity.on_not_predictive must be warn or exclude, not {mode!r}")
        mapping = {str(k): str(v) for k, v in (mv.get("metrics") or {}).items()}
        for name, spec in ((raw or {}).get("metrics") or {}).items():
            mapping.setdefault(str(name), str((spec or {}).get("source", name)))
        return cls(mode, mapping)  # type: ignore[arg-type]


def gating_validity(
    gating_metrics: list[str], summary: pd.DataFrame | None, policy: GateValidityPolicy
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """(table of gating metric -> validity verdict, warn reasons, metrics to exclude with why).

    `summary` is the latest `metric_validity_summary` (metric, verdict, auroc, auroc_low, auroc_high,
    best_outcome, window_start, window_end); None or empty: no production evidence yet.
    """
    rows, warn, exclude = [], [], {}
    by_metric = {} if summary is None or summary.empty else {r["metric"]: r for _, r in summary.iterrows()}
    for m in gating_metrics:
        vm = policy.metric_map.get(m, m)
        r = by_metric.get(vm)
        verdict = r["verdict"] if r is not None else "no production data"
        auc = (
            f"{r['auroc']:.3f} [{r['auroc_low']:.3f}, {r['auroc_high']:.3f}] ({r['best_outcome']})"
            if r is not None and pd.notna(r.get("auroc"))
            else ""
        )
        rows.append({"metric": m, "validity_metric": vm, "verdict": verdict, "auroc": auc})
        if verdict == "not predictive":
            why = (
                f"not predictive of user outcomes in production (metric_validity {vm}: AUROC {auc or 'n/a'})"
            )
            if policy.mode == "exclude":
                exclude[m] = why
            else:
                warn.append(f"metric {m} is {why}")
    return pd.DataFrame(rows, columns=["metric", "validity_metric", "verdict", "auroc"]), warn, exclude

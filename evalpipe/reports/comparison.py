"""From the scored systems of one dataset version to the comparison report (no Dagster).

Why a domain function: the path from `example_metrics` to `report_comparisons` (baseline from
systems.yaml, current-version filter, judge exclusion policy, production validity of the gating
metrics, the report files) used to live inside the `comparison_report` asset body, so it could
only be exercised through Dagster. `run_comparison` is that path; the asset reads its inputs,
calls it and writes the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from evalpipe.errors import EvalpipeError
from evalpipe.inference import baseline_system
from evalpipe.production.validity import GateValidityPolicy, gating_validity
from evalpipe.reports.assemble import load_report_config, scores_from_metrics
from evalpipe.reports.report import build_report

EMPTY_METRICS_COLUMNS = ["system", "example_id", "metric", "value", "passed", "error"]


def current_version(metrics: Mapping[str, pd.DataFrame], version: str) -> dict[str, pd.DataFrame]:
    """Only the systems scored on this dataset version, each restricted to its rows."""
    return {
        s: m[m["dataset_version"] == version]
        for s, m in metrics.items()
        if len(m) and (m["dataset_version"] == version).any()
    }


def latest_validity_summary(query: Callable[..., pd.DataFrame]) -> pd.DataFrame | None:
    """The newest `metric_validity_summary` window, or None before the first metric_validity run."""
    try:
        return query(
            "SELECT * FROM metric_validity_summary WHERE window_end = "
            "(SELECT max(window_end) FROM metric_validity_summary)"
        )
    except Exception:
        return None


def gating_validity_for(
    cfg: Any, summary: pd.DataFrame | None, report_path: str | Path
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Production validity verdict per gating metric, under report.yaml's `metric_validity` policy."""
    raw = yaml.safe_load(Path(report_path).read_text(encoding="utf-8")) or {}
    gating = [m for m in cfg.compare.metrics if m not in cfg.informational]
    return gating_validity(gating, summary, GateValidityPolicy.from_report_yaml(raw))


def report_sensitivity(frame: pd.DataFrame | None, version: str, systems: set[str]) -> pd.DataFrame | None:
    """This dataset version's decomposition rows for the reported systems, in the documented
    `report_prompt_sensitivity` shape (system, metric, key, value; `build_report` adds report_id)."""
    if frame is None or not len(frame):
        return None
    rows = frame[(frame["dataset_version"] == version) & frame["system"].isin(systems)]
    return rows[["system", "metric", "key", "value"]].reset_index(drop=True)


def judge_exclusions(judge_calibration: Mapping[str, Any], judge_metrics: Any) -> tuple[dict[str, str], str]:
    """Judge metrics left out of the gate while the judge is uncalibrated, and the mode prefix."""
    jmode = f"{judge_calibration['mode']} mode: " if judge_calibration.get("mode") else ""
    if judge_calibration.get("calibrated"):
        return {}, jmode
    return {m: f"judge uncalibrated ({jmode}{judge_calibration.get('reason')})" for m in judge_metrics}, jmode


@dataclass
class ComparisonRun:
    """The built report and what the caller shows about it."""

    report: Any  # evalpipe.reports.report.Report
    judge_note: str
    files: list[Path] = field(default_factory=list)


def run_comparison(
    example_metrics: Mapping[str, pd.DataFrame],
    dataset: pd.DataFrame,
    *,
    version: str,
    systems: Mapping[str, Any],
    report_config: str | Path,
    judge_calibration: Mapping[str, Any],
    validity_summary: pd.DataFrame | None = None,
    layer_probes: Mapping[str, Any] | None = None,
    prompt_sensitivity: pd.DataFrame | None = None,
    reports_dir: str | Path | None = None,
) -> ComparisonRun:
    """Baseline (systems.yaml) vs every other system scored on `version`: the report, and its
    Markdown/HTML files under `reports_dir` when given. Raises EvalpipeError without a baseline
    or a candidate on this version."""
    baseline = baseline_system(dict(systems)).name
    current = current_version(example_metrics, version)
    cfg = load_report_config(
        report_config, baseline=baseline, candidates=sorted(s for s in current if s != baseline)
    )
    metrics = (
        pd.concat(current.values(), ignore_index=True)
        if current
        else pd.DataFrame(columns=EMPTY_METRICS_COLUMNS)
    )
    scores = scores_from_metrics(metrics, dataset, cfg)
    excluded, jmode = judge_exclusions(judge_calibration, cfg.judge_metrics)
    validity, validity_warnings, not_predictive = gating_validity_for(cfg, validity_summary, report_config)
    excluded.update({m: why for m, why in not_predictive.items() if m not in excluded})
    if baseline not in current or not cfg.compare.candidates:
        raise EvalpipeError(
            f"need the baseline {baseline!r} and at least one candidate scored on {version}; have {sorted(current)}"
        )
    probes = layer_probes or {}
    report = build_report(
        scores,
        cfg.compare,
        dataset_version=version,
        systems={s: systems[s].fingerprint for s in current if s in systems},
        excluded_metrics=excluded,
        probes=probes.get("per_layer"),
        probe_summaries=probes.get("summaries"),
        sensitivity=report_sensitivity(prompt_sensitivity, version, set(current)),
        informational=cfg.informational,
        golden_ids=dataset.loc[dataset["partition"] == cfg.compare.golden_slice[1], "example_id"].tolist(),
        validity=validity,
        validity_warnings=validity_warnings,
    )
    note = f"{jmode}kappa {judge_calibration.get('kappa_text', 'n/a')}; " + (
        "gates" if judge_calibration.get("calibrated") else "excluded from the gate"
    )
    run = ComparisonRun(report, note)
    if reports_dir is not None:
        out_dir = Path(reports_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        html, md = out_dir / f"{report.report_id}.html", out_dir / f"{report.report_id}.md"
        html.write_text(report.html(), encoding="utf-8")
        md.write_text(report.markdown(images=False), encoding="utf-8")
        run.files = [html, md]
    return run

"""Comparison reports: tidy DuckDB tables, a Markdown/HTML rendering with plots, and the gate.

Report tables (stable schema; one `report_id` per report, delete-then-insert by `report_id`):

* `reports`                  report_id, dataset_version, baseline, candidates (JSON), decision,
                             reasons (JSON), excluded_metrics (JSON), config (JSON), materialized_at
* `report_comparisons`       report_id + every column of `evalpipe.stats.compare.RESULT_COLUMNS`
* `report_gate`              report_id, candidate, decision, reasons (JSON)
* `report_layer_probes`      report_id, system, layer, rel_depth, auroc, ci_low, ci_high, ...
* `report_prompt_sensitivity` report_id, system, metric, key, value

The report id is a content hash of what the report is about (dataset version, system
fingerprints, metric and statistics config), so re-running the same comparison replaces its rows
instead of adding new ones.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import html
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evalpipe.stats import plots
from evalpipe.stats.compare import (
    VERDICTS,
    CompareConfig,
    GateDecision,
    MetricSpec,
    compare_systems,
    gate_decision,
)

EXIT_PROCEED, EXIT_BLOCK, EXIT_UNDECIDED = 0, 1, 2


def report_id_for(dataset_version: str, systems: dict[str, str], config: dict[str, Any]) -> str:
    key = json.dumps(
        {"dataset": dataset_version, "systems": systems, "config": config}, sort_keys=True, default=str
    )
    return "rpt_" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def overall_decision(gates: list[GateDecision]) -> str:
    decisions = {g.decision for g in gates}
    if "block" in decisions:
        return "block"
    if not gates or "undecided" in decisions:
        return "undecided"
    return "proceed"


@dataclass
class Report:
    report_id: str
    dataset_version: str
    baseline: str
    candidates: list[str]
    comparison: pd.DataFrame
    gates: list[GateDecision]
    config: dict[str, Any] = field(default_factory=dict)
    excluded_metrics: dict[str, str] = field(default_factory=dict)
    probes: pd.DataFrame | None = None
    probe_summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    sensitivity: pd.DataFrame | None = None
    informational: set[str] = field(default_factory=set)
    # production validity of each gating metric (metric, validity_metric, verdict, auroc) and the
    # `warn`-mode reasons for gating metrics that are not predictive of user outcomes
    validity: pd.DataFrame | None = None
    validity_warnings: list[str] = field(default_factory=list)

    @property
    def decision(self) -> str:
        return overall_decision(self.gates)

    @property
    def reasons(self) -> list[str]:
        out = [f"{g.candidate}: {r}" for g in self.gates for r in g.reasons]
        out += [
            f"metric {m} excluded from the gate: {why}" for m, why in sorted(self.excluded_metrics.items())
        ]
        out += list(self.validity_warnings)
        return out

    def tables(self, materialized_at: dt.datetime | None = None) -> dict[str, pd.DataFrame]:
        rid = self.report_id
        t = {
            "reports": pd.DataFrame(
                [
                    {
                        "report_id": rid,
                        "dataset_version": self.dataset_version,
                        "baseline": self.baseline,
                        "candidates": json.dumps(self.candidates),
                        "decision": self.decision,
                        "reasons": json.dumps(self.reasons),
                        "excluded_metrics": json.dumps(self.excluded_metrics),
                        "config": json.dumps(self.config, sort_keys=True, default=str),
                        "materialized_at": materialized_at or dt.datetime.now(dt.UTC),
                    }
                ]
            ),
            "report_comparisons": self.comparison.assign(report_id=rid)[
                ["report_id", *self.comparison.columns]
            ],
            "report_gate": pd.DataFrame(
                [
                    {
                        "report_id": rid,
                        "candidate": g.candidate,
                        "decision": g.decision,
                        "reasons": json.dumps(g.reasons),
                    }
                    for g in self.gates
                ]
            ),
        }
        if self.probes is not None and len(self.probes):
            t["report_layer_probes"] = self.probes.assign(report_id=rid)
        if self.sensitivity is not None and len(self.sensitivity):
            t["report_prompt_sensitivity"] = self.sensitivity.assign(report_id=rid)
        if self.validity is not None and len(self.validity):
            t["report_metric_validity"] = self.validity.assign(report_id=rid)
        return t

    # ------------------------------------------------------------------ rendering
    def _images(self) -> dict[str, bytes]:
        imgs: dict[str, bytes] = {}
        # Gating metrics only, overall slice: one scale per plot (latency in ms would flatten rates).
        rows = self.comparison[
            (self.comparison["slice_key"] == "all")
            & ~self.comparison["metric"].isin(self.informational | set(self.excluded_metrics))
        ]
        if len(rows):
            imgs["forest"] = plots.forest_plot(rows)
        if self.probes is not None and len(self.probes):
            for system, grp in self.probes.groupby("system"):
                imgs[f"probe_{system}"] = plots.auroc_depth_plot(
                    grp, self.probe_summaries.get(str(system)), title=f"Probe AUROC by depth: {system}"
                )
        return imgs

    def ordered_comparison(self) -> pd.DataFrame:
        """Gating rows first (worst verdict first), then informational and below-size rows."""
        comp = self.comparison
        if not len(comp):
            return comp
        order = {v: i for i, v in enumerate(VERDICTS)}
        gating = comp["gating"].astype(bool) if "gating" in comp else pd.Series(True, index=comp.index)
        view = comp.assign(_g=~gating, _v=comp["verdict"].map(order).fillna(9))
        return view.sort_values(["_g", "_v", "metric", "slice_key"], kind="stable").drop(columns=["_g", "_v"])

    def markdown(self, images: bool = True, max_rows: int = 40) -> str:
        lines = [
            f"# Comparison report `{self.report_id}`",
            "",
            f"- dataset version: `{self.dataset_version}`",
            f"- baseline: `{self.baseline}`",
            f"- candidates: {', '.join(f'`{c}`' for c in self.candidates)}",
            f"- **decision: {self.decision.upper()}**",
            "",
        ]
        if self.reasons:
            lines += ["## Reasons", *[f"- {r}" for r in self.reasons], ""]
        if images:
            for name, png in self._images().items():
                lines += [f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})", ""]
        if self.validity is not None and len(self.validity):
            lines += [
                "## Gating metrics: do they predict user outcomes? (production `metric_validity`)",
                "",
                "| metric | validity metric | verdict | AUROC [95% CI] (outcome) |",
                "|---|---|---|---|",
                *[
                    f"| {r.metric} | {r.validity_metric} | {r.verdict} | {r.auroc} |"
                    for r in self.validity.itertuples()
                ],
                "",
            ]
        cols = [
            "candidate",
            "metric",
            "slice_key",
            "slice_value",
            "gating",
            "test",
            "n",
            "n_clusters",
            "n_eff",
            "mean_a",
            "mean_b",
            "diff",
            "ci_low",
            "ci_high",
            "p_value",
            "p_adj",
            "mde",
            "underpowered",
            "verdict",
        ]
        view = self.ordered_comparison().reindex(columns=cols)
        lines += [
            "## Slices (gating rows first, worst first)",
            "",
            "p_value: the row's own test (`test`); p_adj: family-wise adjusted (max-T sign-flip) for gate-family "
            "rows, the raw p for the primary metric's overall row, empty for rows outside every family; "
            "n_eff: Kish effective n of the design weights; underpowered: less than 80% power to show "
            "equivalence (CI inside ±tolerance) at a true change of 0.",
            "",
            "| " + " | ".join(cols) + " |",
            "|" + "---|" * len(cols),
        ]
        for row in view.head(max_rows).itertuples(index=False):
            lines.append(
                "| " + " | ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in row) + " |"
            )
        if len(view) > max_rows:
            lines.append(f"\n… {len(view) - max_rows} more rows in DuckDB table `report_comparisons`.")
        if self.probe_summaries:
            lines += ["", "## Layer probes"]
            for system, s in self.probe_summaries.items():
                lines.append(
                    f"- `{system}`: emergence layer {s.get('emergence_layer')}, peak layer "
                    f"{s.get('peak_layer')} (AUROC {s.get('peak_auroc', float('nan')):.3f})"
                )
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        body = [
            f"<h1>Comparison report {html.escape(self.report_id)}</h1>",
            f"<p>dataset <code>{html.escape(self.dataset_version)}</code>; baseline "
            f"<code>{html.escape(self.baseline)}</code>; decision <b>{self.decision.upper()}</b></p>",
        ]
        if self.reasons:
            body.append("<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in self.reasons) + "</ul>")
        for name, png in self._images().items():
            body.append(
                f'<h2>{html.escape(name)}</h2><img src="data:image/png;base64,'
                f'{base64.b64encode(png).decode()}"/>'
            )
        body.append(self.ordered_comparison().to_html(index=False, float_format=lambda v: f"{v:.4g}"))
        return "<!doctype html><meta charset='utf-8'><title>evalpipe report</title>" + "\n".join(body)


def build_report(
    scores: pd.DataFrame,
    config: CompareConfig,
    *,
    dataset_version: str,
    systems: dict[str, str],
    excluded_metrics: dict[str, str] | None = None,
    probes: pd.DataFrame | None = None,
    probe_summaries: dict[str, dict] | None = None,
    sensitivity: pd.DataFrame | None = None,
    informational: set[str] | None = None,
    golden_ids: list | None = None,
    validity: pd.DataFrame | None = None,
    validity_warnings: list[str] | None = None,
) -> Report:
    """Compare the baseline with every candidate on `scores` (long: system, example_id, metric, value, slices).

    `informational` metrics get verdicts in the tables but are in no test family and never decide
    the gate.  `golden_ids`: every golden item of the dataset (default: those tagged golden in
    `scores`); the golden gate checks each of them for errors and missing scores.
    """
    excluded = excluded_metrics or {}
    kept = scores[~scores["metric"].isin(excluded)]
    informational = set(informational or ())
    metrics: dict[str, MetricSpec | dict[Any, Any] | str] = {}  # CompareConfig.metrics' type
    for m in list(config.metrics) + sorted(informational - set(config.metrics)):
        spec = config.spec(m)
        metrics[m] = dataclasses.replace(spec, gating=spec.gating and m not in informational)
    config = dataclasses.replace(config, metrics=metrics)
    comparison = compare_systems(kept, config)
    candidates = config.candidates or sorted(set(kept["system"]) - {config.baseline})
    gates = [
        gate_decision(comparison, config, candidate=c, scores=kept, golden_ids=golden_ids) for c in candidates
    ]
    cfg_repr = {
        k: (v if isinstance(v, (str, int, float, list, dict, tuple, type(None))) else repr(v))
        for k, v in vars(config).items()
    }
    cfg_repr["metrics"] = {m: vars(config.spec(m)) for m in sorted(set(kept["metric"]))}
    cfg_repr["informational"] = sorted(informational)
    rid = report_id_for(dataset_version, systems, cfg_repr)
    return Report(
        rid,
        dataset_version,
        config.baseline,
        candidates,
        comparison,
        gates,
        cfg_repr,
        dict(excluded),
        probes,
        probe_summaries or {},
        sensitivity,
        informational,
        validity,
        list(validity_warnings or []),
    )


def gate_from_warehouse(query, report_id: str | None = None) -> tuple[int, str, str | None, list[str]]:
    """(exit code, decision, report id, reasons) for `evalpipe gate`; `query(sql, params)` -> DataFrame."""
    try:
        if report_id:
            df = query("SELECT report_id, decision, reasons FROM reports WHERE report_id = ?", [report_id])
        else:
            df = query(
                "SELECT report_id, decision, reasons FROM reports ORDER BY materialized_at DESC LIMIT 1", []
            )
    except Exception as e:
        return EXIT_UNDECIDED, "undecided", report_id, [f"no report available ({type(e).__name__}: {e})"]
    if df.empty:
        return (
            EXIT_UNDECIDED,
            "undecided",
            report_id,
            ["no report found" + (f" with id {report_id}" if report_id else "")],
        )
    row = df.iloc[0]
    decision = row["decision"]
    code = {"proceed": EXIT_PROCEED, "block": EXIT_BLOCK}.get(decision, EXIT_UNDECIDED)
    return code, decision, row["report_id"], json.loads(row["reasons"])

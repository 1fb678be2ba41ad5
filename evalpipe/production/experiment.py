"""Production experiments read from the logs: arms from a configured variant field, outcomes from
feedback and production scores, statistics from `evalpipe.stats.experiments`.

Why: teams ship changes as a share of traffic on a new prompt or model; reading that with a naive
nightly t-test on thumbs-up rates gives false wins.  The statistics core already does it properly
(SRM, session-clustered SE, CUPED, always-valid mixture SPRT); this module finds the arm of every
call, builds the per-call outcome table and writes the stable tables and the Markdown report.

Variant field (`variant_field` in `data/experiments.yaml`): `metadata.<key>` (a key of the call's
metadata JSON), `tag:<prefix>` (a tag `<prefix>:<arm>` or `<prefix>=<arm>`), `system_prompt_hash`
(first 12 hex digits of blake2b of the system instructions), or any canonical column
(`request_model`, `response_model`, ...).  The population is the calls matching `where` (e.g.
`metadata.experiment: answer-style-2026-11`) between `start` and `end`; population calls without
a variant value are counted (`n_missing_variant`), excluded and shown.  A metric's covariate
`pre:<column>` is CUPED on the pre-period: the mean of <column> over the calls of the same
`pre_unit` (user) before `start`; units without pre-period calls are not adjusted.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalpipe.production.validity import call_table
from evalpipe.stats.experiments import (
    READING_COLUMNS,
    RESULT_COLUMNS,
    ExperimentConfig,
    ExperimentMetric,
    ExperimentResult,
    analyze_experiment,
)
from evalpipe.stats.validity import derive_user_outcomes

ARM_COLUMNS = [
    "experiment",
    "as_of_day",
    "arm",
    "role",
    "units",
    "calls",
    "expected_share",
    "observed_share",
    "srm_chi2",
    "srm_p",
    "srm_failed",
    "units_in_both_arms",
    "n_population",
    "n_missing_variant",
    "n_other_arm",
]
METRIC_COLUMNS = ["experiment", "as_of_day", *RESULT_COLUMNS]
READING_TABLE_COLUMNS = ["experiment", *READING_COLUMNS]
SUMMARY_COLUMNS = ["experiment", "as_of_day", "verdict", "control", "treatment", "reasons", "markdown"]

EXIT_SHIP, EXIT_HARM, EXIT_UNDECIDED = 0, 1, 2
CROSSED = ("ship", "harm")


def default_config_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "experiments.yaml"


@dataclass
class ProductionExperiment:
    """One declared experiment (an entry of `data/experiments.yaml`)."""

    name: str
    control: str
    treatment: str | None = None
    variant_field: str = "metadata.variant"
    where: dict[str, str] = field(default_factory=dict)
    start: str | None = None
    end: str | None = None
    split: dict[str, float] | None = None
    cluster: str = "session_id"
    alpha: float = 0.05
    metrics: dict[str, ExperimentMetric] = field(default_factory=dict)
    pre_unit: str = "user_id"  # whose pre-period mean a `pre:<column>` covariate is

    @classmethod
    def from_dict(cls, raw: dict) -> ProductionExperiment:
        metrics = {}
        for name, spec in (raw.get("metrics") or {}).items():
            spec = spec or {}
            metrics[str(name)] = ExperimentMetric(
                kind=spec.get("kind", "continuous"),
                higher_is_better=bool(spec.get("higher_is_better", True)),
                covariate=spec.get("covariate"),
                expected_effect=(
                    None if spec.get("expected_effect") is None else float(spec["expected_effect"])
                ),
            )
        return cls(
            name=str(raw["name"]),
            control=str(raw["control"]),
            treatment=None if raw.get("treatment") is None else str(raw["treatment"]),
            variant_field=str(raw.get("variant_field", "metadata.variant")),
            where={str(k): str(v) for k, v in (raw.get("where") or {}).items()},
            start=None if raw.get("start") is None else str(raw["start"]),
            end=None if raw.get("end") is None else str(raw["end"]),
            split={str(k): float(v) for k, v in raw["split"].items()} if raw.get("split") else None,
            cluster=str(raw.get("cluster", "session_id")),
            alpha=float(raw.get("alpha", 0.05)),
            metrics=metrics,
            pre_unit=str(raw.get("pre_unit", "user_id")),
        )

    def stats_config(self, control: str | None = None, treatment: str | None = None) -> ExperimentConfig:
        return ExperimentConfig(
            control=control or self.control,
            treatment=treatment if control else self.treatment,
            metrics=dict(self.metrics),
            variant_field="variant",
            cluster=self.cluster,
            day="day",
            split=self.split if control is None else None,
            alpha=self.alpha,
        )


def load_experiments(path: str | Path | None = None) -> list[ProductionExperiment]:
    """The declared experiments ([] without the file); a wrong key is a ConfigError naming it."""
    from evalpipe.config import ExperimentsFile, load_config

    p = Path(path or default_config_path())
    if not p.exists():
        return []
    doc = load_config(p, ExperimentsFile)
    return [ProductionExperiment.from_dict(e.model_dump(exclude_unset=True)) for e in doc.experiments]


# --------------------------------------------------------------------------------------------
# Variant values
# --------------------------------------------------------------------------------------------
def _meta(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        try:
            out = json.loads(value)
            return out if isinstance(out, dict) else {}
        except ValueError:
            return {}
    return {}


def field_values(calls: pd.DataFrame, spec: str) -> pd.Series:
    """The value of a configured field on every call (None where absent or blank)."""
    n = len(calls)
    if spec.startswith("metadata."):
        key = spec.removeprefix("metadata.")
        vals = [_meta(m).get(key) for m in calls.get("metadata", pd.Series([None] * n))]
    elif spec.startswith("tag:"):
        prefix = spec.removeprefix("tag:")
        vals = []
        for tags in calls.get("tags", pd.Series([None] * n)):
            found = None
            for t in [] if tags is None or isinstance(tags, float) else list(tags):
                for sep in (":", "="):
                    if str(t).startswith(prefix + sep):
                        found = str(t)[len(prefix) + 1 :]
            vals.append(found)
    elif spec == "system_prompt_hash":
        vals = [
            None
            if s is None or (isinstance(s, float) and math.isnan(s))
            else hashlib.blake2b(str(s).encode(), digest_size=6).hexdigest()
            for s in calls.get("system_instructions", pd.Series([None] * n))
        ]
    elif spec in calls.columns:
        vals = calls[spec].tolist()
    else:
        raise ValueError(f"unknown variant field {spec!r}")
    out = pd.Series(vals, index=calls.index, dtype=object)
    blank = out.map(lambda v: v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "")
    return out.where(~blank, None)


def experiment_calls(logs: pd.DataFrame, scores: pd.DataFrame, exp: ProductionExperiment) -> pd.DataFrame:
    """One row per population call: day, session, variant (None = missing), outcome and metric columns."""
    calls = call_table(logs, scores)
    outcomes = derive_user_outcomes(calls)
    calls = pd.concat([calls, outcomes], axis=1)
    keep = np.ones(len(calls), dtype=bool)
    for f, want in exp.where.items():
        keep &= (field_values(calls, f).astype("string") == want).fillna(False).to_numpy(dtype=bool)
    pre_period = calls[calls["day"] < exp.start] if exp.start else calls.iloc[0:0]
    if exp.start:
        keep &= (calls["day"] >= exp.start).to_numpy()
    if exp.end:
        keep &= (calls["day"] <= exp.end).to_numpy()
    calls = calls[keep].reset_index(drop=True)
    for spec in exp.metrics.values():  # CUPED covariates: the unit's mean before the experiment
        cov = spec.covariate
        if cov and cov.startswith("pre:") and cov not in calls.columns:
            src = cov.removeprefix("pre:")
            if src in pre_period.columns and exp.pre_unit in calls.columns:
                means = (
                    pd.to_numeric(pre_period[src], errors="coerce").groupby(pre_period[exp.pre_unit]).mean()
                )
                calls[cov] = calls[exp.pre_unit].map(means).astype(float)
            else:
                calls[cov] = np.nan  # no pre-period: CUPED adjusts nothing (variance reduction 0)
    calls["variant"] = field_values(calls, exp.variant_field)
    for m in exp.metrics:
        if m not in calls.columns:
            calls[m] = np.nan  # a metric not scored in the window: all missing, reported as such
    return calls


def aa_split(calls: pd.DataFrame, arm: str, cluster: str = "session_id", salt: str = "aa") -> pd.DataFrame:
    """An A/A test: the calls of one arm, re-split 50/50 by a hash of the cluster into `A1` / `A2`."""
    one = calls[calls["variant"] == arm].copy()
    h = (
        one[cluster]
        .astype(str)
        .map(lambda s: hashlib.blake2b(f"{salt}:{s}".encode(), digest_size=8).digest())
    )
    one["variant"] = np.where(h.map(lambda b: int.from_bytes(b, "big") % 2 == 0), "A1", "A2")
    return one


# --------------------------------------------------------------------------------------------
# Reading and reporting
# --------------------------------------------------------------------------------------------
@dataclass
class ExperimentReading:
    experiment: str
    as_of_day: str
    result: ExperimentResult
    n_population: int

    @property
    def verdict(self) -> str:
        return self.result.verdict

    def reasons(self) -> list[str]:
        r, out = self.result, []
        if r.srm.failed:
            out.append(
                f"sample-ratio mismatch: units {r.srm.units} vs expected shares {r.srm.expected_share} "
                f"(chi2 {r.srm.chi2:.2f}, p {r.srm.p_value:.2g}); no metric can be read"
            )
        for m in r.metrics.itertuples():
            cs = f"[{m.cs_low:+.4g}, {m.cs_high:+.4g}]"
            if m.verdict in CROSSED:
                out.append(
                    f"{m.verdict}: {m.metric} {m.treatment} − {m.control} = {m.diff:+.4g}, always-valid "
                    f"95% CS {cs}, p_av {m.p_always_valid:.3g} (n {m.n_control}+{m.n_treatment}, "
                    f"sessions {m.clusters_control}+{m.clusters_treatment})"
                )
            elif m.verdict == "keep running":
                need = (
                    "more than a year"
                    if not np.isfinite(m.days_needed)
                    else f"~{m.days_needed:.0f} more days"
                )
                out.append(
                    f"keep running: {m.metric} diff {m.diff:+.4g}, CS {cs}; {need} at the observed effect"
                )
        c = r.counts
        if c.get("n_missing_variant"):
            out.append(
                f"{c['n_missing_variant']} of {c['n_calls']} population calls have no variant value: excluded"
            )
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        r = self.result
        arms = []
        total_units = sum(r.srm.units.values()) or 1
        for arm in r.srm.units:
            arms.append(
                {
                    "experiment": self.experiment,
                    "as_of_day": self.as_of_day,
                    "arm": arm,
                    "role": "control" if arm == r.metrics["control"].iloc[0] else "treatment",
                    "units": r.srm.units[arm],
                    "calls": r.srm.calls[arm],
                    "expected_share": r.srm.expected_share[arm],
                    "observed_share": r.srm.units[arm] / total_units,
                    "srm_chi2": r.srm.chi2,
                    "srm_p": r.srm.p_value,
                    "srm_failed": r.srm.failed,
                    "units_in_both_arms": r.srm.units_in_both_arms,
                    "n_population": self.n_population,
                    "n_missing_variant": r.counts["n_missing_variant"],
                    "n_other_arm": r.counts["n_other_arm"],
                }
            )
        metrics = r.metrics.copy()
        metrics.insert(0, "as_of_day", self.as_of_day)
        metrics.insert(0, "experiment", self.experiment)
        metrics["days_needed"] = metrics["days_needed"].replace([np.inf], np.nan)
        readings = r.readings.copy()
        readings["day"] = readings["day"].astype(str)
        readings.insert(0, "experiment", self.experiment)
        summary = pd.DataFrame(
            [
                {
                    "experiment": self.experiment,
                    "as_of_day": self.as_of_day,
                    "verdict": self.verdict,
                    "control": str(r.metrics["control"].iloc[0]),
                    "treatment": str(r.metrics["treatment"].iloc[0]),
                    "reasons": json.dumps(self.reasons()),
                    "markdown": self.markdown(),
                }
            ],
            columns=SUMMARY_COLUMNS,
        )
        return {
            "experiment_arms": pd.DataFrame(arms, columns=ARM_COLUMNS),
            "experiment_metrics": metrics[METRIC_COLUMNS],
            "experiment_readings": readings[READING_TABLE_COLUMNS],
            "experiment_reports": summary,
        }

    def markdown(self, images: dict[str, str] | None = None) -> str:
        r = self.result
        c = r.counts
        lines = [
            f"## Experiment `{self.experiment}` as of {self.as_of_day}: **{self.verdict.upper()}**",
            "",
            f"Population {c['n_calls']} calls; {c['n_used']} used, {c['n_missing_variant']} without a "
            f"variant value and {c['n_other_arm']} in other arms excluded.",
            "",
            "| arm | sessions | calls | expected share | observed share |",
            "|---|---|---|---|---|",
        ]
        tot = sum(r.srm.units.values()) or 1
        for arm, u in r.srm.units.items():
            lines.append(
                f"| {arm} | {u} | {r.srm.calls[arm]} | {r.srm.expected_share[arm]:.0%} | {u / tot:.1%} |"
            )
        lines += [
            "",
            f"SRM chi-square {r.srm.chi2:.2f}, p = {r.srm.p_value:.3g} "
            f"({'FAILED' if r.srm.failed else 'ok'}; threshold 0.001).",
            "",
            "| metric | control | treatment | diff | clustered SE (naive) | fixed-n p | always-valid 95% CS "
            "| p_av | verdict | days needed |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for m in r.metrics.itertuples():
            need = (
                "–"
                if m.verdict != "keep running"
                else ("> 1 year" if not np.isfinite(m.days_needed) else f"{m.days_needed:.0f}")
            )
            lines.append(
                f"| {m.metric} | {m.mean_control:.4g} | {m.mean_treatment:.4g} | {m.diff:+.4g} | "
                f"{m.se_clustered:.3g} ({m.se_naive:.3g}) | {m.p_fixed:.3g} | "
                f"[{m.cs_low:+.4g}, {m.cs_high:+.4g}] | {m.p_always_valid:.3g} | **{m.verdict}** | {need} |"
            )
        lines += [
            "",
            "Always-valid: the confidence sequence holds at every nightly reading, so reading this "
            "report every night does not inflate false positives; the fixed-n p is shown for contrast "
            "and is not valid under peeking.",
        ]
        for name, md in (images or {}).items():
            lines += ["", f"### {name}", "", md]
        return "\n".join(lines)


def read_experiment(
    logs: pd.DataFrame, scores: pd.DataFrame, exp: ProductionExperiment, as_of_day: str | None = None
) -> ExperimentReading:
    """Read one experiment on every population call up to `as_of_day` (default: the last day)."""
    calls = experiment_calls(logs, scores, exp)
    if as_of_day is not None:
        calls = calls[calls["day"] <= as_of_day]
    if calls.empty:
        raise ValueError(f"experiment {exp.name!r}: no population calls in the logs")
    result = analyze_experiment(calls, exp.stats_config())
    return ExperimentReading(exp.name, as_of_day or str(calls["day"].max()), result, len(calls))


def experiment_exit(verdicts: list[str]) -> int:
    """Exit code like `evalpipe gate`: 1 when any experiment shows harm, 0 when all ship, else 2."""
    if any(v == "harm" for v in verdicts):
        return EXIT_HARM
    if verdicts and all(v == "ship" for v in verdicts):
        return EXIT_SHIP
    return EXIT_UNDECIDED


def experiment_from_warehouse(query, name: str | None = None) -> tuple[int, list[dict]]:
    """(exit code, latest report row per experiment) for `evalpipe experiment`."""
    try:
        df = query(
            "SELECT experiment, as_of_day, verdict, reasons, markdown FROM experiment_reports "
            + ("WHERE experiment = ? " if name else "")
            + "ORDER BY experiment",
            [name] if name else [],
        )
    except Exception as e:
        return EXIT_UNDECIDED, [{"experiment": name or "-", "verdict": "undecided", "error": str(e)}]
    if df.empty:
        return EXIT_UNDECIDED, [
            {"experiment": name or "-", "verdict": "undecided", "error": "no experiment report"}
        ]
    rows = df.to_dict(orient="records")
    return experiment_exit([r["verdict"] for r in rows]), rows

"""From example_metrics + the dataset to the inputs of the statistics core.

Kept apart from the Dagster layer so that a notebook can rebuild any report from the lake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa

from evalpipe.config import ReportFile, read_yaml, validate_config
from evalpipe.sampling.intent import INTENTS
from evalpipe.stats.compare import CompareConfig, MetricSpec


@dataclass
class ReportConfig:
    compare: CompareConfig
    sources: dict[str, tuple[str, str]]  # report metric -> (example_metrics metric, "value" | "passed")
    judge_metrics: set[str] = field(default_factory=set)
    informational: set[str] = field(default_factory=set)  # reported with verdicts, never gate
    probes: dict[str, Any] = field(default_factory=dict)
    sensitivity: dict[str, Any] = field(default_factory=dict)


def load_report_config(path: str | Path, baseline: str, candidates: list[str] | None = None) -> ReportConfig:
    raw = read_yaml(path)
    validate_config(raw, ReportFile, path)  # unknown keys, types, metric types: a ConfigError naming them
    specs: dict[str, MetricSpec | dict[Any, Any] | str] = {}  # CompareConfig.metrics' type
    sources, judges, informational = {}, set(), set()
    for name, m in raw["metrics"].items():
        sources[name] = (m["source"], m.get("field", "value"))
        specs[name] = MetricSpec(
            type=m["type"],
            tolerance=float(m.get("tolerance", 0.0)),
            higher_is_better=bool(m.get("higher_is_better", True)),
            scale=float(m.get("scale", 1.0)),
            gating=m.get("gating") is not False,
        )
        if m.get("judge"):
            judges.add(name)
        if m.get("gating") is False:
            informational.add(name)
    cfg = CompareConfig(
        baseline=baseline,
        candidates=candidates,
        metrics=specs,
        primary_metric=raw.get("primary_metric"),
        q=float(raw.get("q", 0.05)),
        slice_columns=list(raw.get("slices", [])),
        cluster_column=raw.get("cluster"),
        n_resamples=int(raw.get("n_resamples", 10_000)),
        golden_pass_metric=raw.get("golden_pass_metric"),
        weight_column=raw.get("weight"),
        strata_column=raw.get("strata"),
        min_gating_n=int(raw.get("min_gating_n", 30)),
        min_gating_clusters=int(raw.get("min_gating_clusters", 30)),
        mde_strata=[str(v) for v in raw["mde_strata"]] if raw.get("mde_strata") else None,
    )
    return ReportConfig(
        cfg, sources, judges, informational, raw.get("probes", {}) or {}, raw.get("sensitivity", {}) or {}
    )


def example_slices(dataset: pd.DataFrame) -> pd.DataFrame:
    """example_id -> partition, intent, language, stratum, paraphrase_group (the cluster id), weight.

    `stratum` outside the distribution partition is the partition (a design stratum of its own;
    the comparison drops the duplicate slice); `weight` is the design weight N_h/n_h (1 elsewhere).
    """

    def tag_value(tags: Any, key: str) -> str | None:
        for t in list(tags) if tags is not None else []:
            if t.startswith(key + ":"):
                return t.split(":", 1)[1]
        return None

    def intent(tags: Any, stratum: Any) -> str:
        found = tag_value(tags, "intent")
        if found:
            return found
        return next((t for t in (list(tags) if tags is not None else []) if t in INTENTS), "other")

    def language(tags: Any, constraints: Any) -> str:
        found = tag_value(tags, "language")
        if found:
            return found
        try:
            lang = (json.loads(constraints) or {}).get("language") if constraints else None
        except ValueError:
            lang = None
        return lang if isinstance(lang, str) and lang != "match" else "en"

    return pd.DataFrame(
        {
            "example_id": dataset["example_id"],
            "partition": dataset["partition"],
            "intent": [intent(t, s) for t, s in zip(dataset["tags"], dataset["stratum"], strict=True)],
            "language": [
                language(t, c) for t, c in zip(dataset["tags"], dataset["constraints"], strict=True)
            ],
            "stratum": dataset["stratum"].fillna(dataset["partition"]),
            "paraphrase_group": dataset["paraphrase_of"].fillna(dataset["example_id"]),
            "weight": (
                pd.to_numeric(dataset["weight"], errors="coerce").fillna(1.0) if "weight" in dataset else 1.0
            ),
        }
    )


def scores_from_metrics(metrics: pd.DataFrame, dataset: pd.DataFrame, cfg: ReportConfig) -> pd.DataFrame:
    """Long scores (system, example_id, metric, value, error, + slices).

    A metric error is kept as value NaN with its `error` text: never zeroed, never silently
    dropped (the comparison skips NaN pairs; the golden gate counts them as failures)."""
    frames = []
    for name, (source, fld) in cfg.sources.items():
        m = metrics[metrics["metric"] == source]
        if m.empty:
            continue
        val = m["passed"].astype(float) if fld == "passed" else pd.to_numeric(m["value"], errors="coerce")
        err = m["error"] if "error" in m else pd.Series(None, index=m.index, dtype=object)
        err = err.where(err.notna() | val.notna(), "no value")
        frames.append(
            pd.DataFrame(
                {
                    "system": m["system"],
                    "example_id": m["example_id"],
                    "metric": name,
                    "value": val.where(err.isna()),
                    "error": err,
                }
            )
        )
    scores = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["system", "example_id", "metric", "value", "error"])
    )
    return scores.merge(example_slices(dataset), on="example_id", how="left")


def probe_inputs(
    hidden: pa.Table, metrics: pd.DataFrame, label_metric: str, reduction: str, dataset: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(hidden [n, L, d], labels, groups, baselines) for examples that have both states and a label."""
    from evalpipe.inference import hidden_matrix

    layers = sorted(set(hidden.column("layer").to_pylist()))
    labels = metrics[metrics["metric"] == label_metric].set_index("example_id")["passed"].astype(float)
    per_layer, ids = [], None
    for layer in layers:
        eid, mat = hidden_matrix(hidden, layer, reduction)
        order = np.argsort(eid)
        eid, mat = [eid[i] for i in order], mat[order]
        ids = ids or eid
        per_layer.append(mat)
    keep = [i for i, e in enumerate(ids or []) if e in labels.index]
    x = np.stack([m[keep] for m in per_layer], axis=1) if keep else np.zeros((0, len(layers), 1))
    kept_ids = [cast(list[str], ids)[i] for i in keep]  # keep is empty when ids is None
    y = labels.loc[kept_ids].to_numpy()
    groups_map = example_slices(dataset).set_index("example_id")["paraphrase_group"]
    groups = groups_map.reindex(kept_ids).fillna(pd.Series(kept_ids, index=kept_ids)).to_numpy()
    info = (
        hidden.filter(pa.compute.equal(hidden["layer"], layers[0]))
        .select(["example_id", "mean_logprob", "n_completion_tokens"])
        .to_pandas()
        .set_index("example_id")
    )
    baselines = {
        "mean_logprob": info["mean_logprob"].reindex(kept_ids).fillna(0).to_numpy(),
        "length": info["n_completion_tokens"].reindex(kept_ids).fillna(0).to_numpy(dtype=float),
    }
    return x, y, groups, baselines


def sensitivity_frame(metrics: pd.DataFrame, dataset: pd.DataFrame, metric: str) -> pd.DataFrame:
    """item_id, paraphrase_id, value over complete paraphrase groups (the crossed design)."""
    groups = dataset[dataset["paraphrase_id"].notna()][
        ["example_id", "paraphrase_of", "paraphrase_id"]
    ].copy()
    groups["item_id"] = groups["paraphrase_of"].fillna(groups["example_id"])
    m = metrics[metrics["metric"] == metric]
    vals = m.set_index("example_id")["passed" if metric == "overall" else "value"].astype(float)
    groups["value"] = groups["example_id"].map(vals)
    groups = groups.dropna(subset=["value"])
    n_p = groups.groupby("item_id")["paraphrase_id"].transform("nunique")
    full = groups[n_p == groups["paraphrase_id"].nunique()]
    return full[["item_id", "paraphrase_id", "value"]].reset_index(drop=True)

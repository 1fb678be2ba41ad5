"""Per-example metric evaluation: examples x system outputs -> one long metrics table.

`evaluate()` applies, for each (system, example), every metric that `data/metrics.yaml` declares
for the example's partition (each a registered function, `evalpipe.metrics.registry`), and adds
an `overall` row whose verdict is the AND of the partition's gate metrics. Long form (one row per metric) because the statistics layer pivots by metric and
slice, and because a failing metric must stay visible as a row with its error text: a metric
that raises yields value NaN, passed False and the error, and is never dropped.

Embeddings, constraint checks and judge calls are batch pre-computes run once for the whole
frame (deduplicated, batched, cached) before the per-item loop, so the loop only does look-ups.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalpipe.metrics import builtin as _builtin  # noqa: F401  (registers the shipped metrics)
from evalpipe.metrics import registry
from evalpipe.metrics.constraints import PiiDetector, merge_constraints
from evalpipe.metrics.embedding import Embedder, default_embedder
from evalpipe.metrics.faithfulness import ClaimJudge
from evalpipe.metrics.registry import MetricEnv, MetricInput, Score

METRIC_COLUMNS = [
    "dataset_version",
    "system",
    "example_id",
    "partition",
    "metric",
    "value",
    "passed",
    "error",
    "detail",
]


def default_config_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "metrics.yaml"


def load_metrics_config(path: str | Path | None = None) -> dict:
    """Parse and validate metrics.yaml (default: the shipped data/metrics.yaml); the raw mapping.

    Typed access (with the one default of each key): `evalpipe.config.load_config(path, MetricsFile)`.
    """
    from evalpipe.config import MetricsFile, read_yaml, validate_config

    path = path or default_config_path()
    raw = read_yaml(path)
    validate_config(raw, MetricsFile, path)
    return raw


def _json_or(value: Any, default: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    if isinstance(value, str):
        if not value.strip():
            return default
        try:
            return json.loads(value)
        except ValueError:
            return default if default is not None else value
    return value


def message_text(msg: dict) -> str:
    """Text of a message in either {role, content} or OTel {role, parts:[{type, content}]} form."""
    if isinstance(msg.get("content"), str):
        return msg["content"]
    if isinstance(msg.get("content"), list):
        return "\n".join(
            str(p.get("text", p.get("content", ""))) for p in msg["content"] if isinstance(p, dict)
        )
    return "\n".join(
        str(p.get("content", ""))
        for p in msg.get("parts", []) or []
        if isinstance(p, dict) and p.get("type", "text") == "text"
    )


def question_of(input_messages: Any) -> str:
    """The last user message's text (the question the answer must match in language)."""
    msgs = _json_or(input_messages, [])
    if isinstance(msgs, str):
        return msgs
    users = [m for m in msgs if isinstance(m, dict) and m.get("role") == "user"]
    return message_text(users[-1]) if users else ""


def context_of(context: Any) -> list[str]:
    """Passages as strings, from a JSON list of strings or of {content|text: ...} objects."""
    items = _json_or(context, [])
    if isinstance(items, str):
        return [items]
    if isinstance(items, np.ndarray):
        items = items.tolist()
    out = []
    for it in items or []:
        if isinstance(it, dict):
            out.append(str(it.get("content", it.get("text", ""))))
        elif it is not None:
            out.append(str(it))
    return [c for c in out if c.strip()]


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def evaluate(
    examples: pd.DataFrame,
    outputs: pd.DataFrame,
    config: dict | str | Path | None = None,
    *,
    embedder: Embedder | None = None,
    pii_detector: PiiDetector | None = None,
    judge: Any | None = None,
    claim_judge: ClaimJudge | None = None,
    dataset_version: str | None = None,
    judge_verdicts_out: list[dict] | None = None,
    judge_partitions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Score every (system, example) pair; returns the long table of METRIC_COLUMNS.

    examples: example_id, partition, input_messages, context, reference, constraints, tags
    (+ optional dataset_version). outputs: example_id, system, text, latency_ms, input_tokens,
    output_tokens, cost_usd, error. `judge` (a PointwiseJudge) adds `judge_score` rows; it is
    never part of the gate here (the caller gates on it only once it is calibrated).
    `judge_partitions` limits the judge to those partitions (metrics.yaml `judge.partitions`;
    None: every partition). `claim_judge` is the optional faithfulness hook
    `(claim, context_sentences) -> bool | None`. `judge_verdicts_out`, when given, receives one
    dict per judged item (texts, score, sd, distribution, status, mode): what the human review
    loop picks its batch from.

    The metrics themselves are the registered functions of `evalpipe.metrics.builtin` (see
    `evalpipe.metrics.registry`): this function parses the items, runs each batch pre-compute
    once, then loops over each item's configured metrics and the derived ones.
    """
    cfg = config if isinstance(config, dict) else load_metrics_config(config)
    env = MetricEnv(
        config=cfg,
        embedder=embedder or default_embedder((cfg.get("embedding", {}) or {}).get("cache_dir")),
        pii_detector=pii_detector,
        judge=judge,
        claim_judge=claim_judge,
        judge_partitions=None if judge_partitions is None else frozenset(judge_partitions),
        judge_verdicts_out=judge_verdicts_out,
    )
    items = _items(examples, outputs, cfg.get("partitions", {}), dataset_version)
    derived = registry.derived_metrics()
    specs: dict[str, registry.MetricSpec] = {}
    plans = [_plan(x, env, derived, specs) for x in items]

    for name, step in registry.precomputes():
        wanted = [
            x
            for x, plan in zip(items, plans, strict=True)
            if x.gen_error is None and any(name in spec.uses for spec in plan)
        ]
        env.batch[name] = step(wanted, env) if wanted else {}

    rows: list[dict] = []
    for x, plan in zip(items, plans, strict=True):
        thresholds = x.partition_config.get("thresholds", {}) or {}
        for spec in plan:
            x.threshold = thresholds.get(spec.name, spec.threshold)
            for s in spec.run(x, env):
                x.results[s.metric] = Score(
                    s.metric,
                    registry.as_float(s.value),
                    bool(s.passed) and s.error is None,
                    s.error,
                    s.detail,
                )
        rows.extend(
            {
                "dataset_version": x.version,
                "system": x.system,
                "example_id": x.example_id,
                "partition": x.partition,
                "metric": s.metric,
                "value": s.value,
                "passed": s.passed,
                "error": s.error,
                "detail": s.detail,
            }
            for s in x.results.values()
        )
    df = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    df["value"] = df["value"].astype("float64")
    df["passed"] = df["passed"].astype(bool)
    return df


def judge_rows_last(metrics: pd.DataFrame) -> pd.DataFrame:
    """`judge_score` rows moved after all other rows, each group in its order: the row order of the
    `example_metrics` table from before the judge ran inside `evaluate` (its readers take rows in
    table order, so keeping it keeps every downstream figure identical)."""
    is_judge = metrics["metric"] == "judge_score"
    return pd.concat([metrics[~is_judge], metrics[is_judge]], ignore_index=True)


def _plan(
    x: MetricInput, env: MetricEnv, derived: list[registry.MetricSpec], specs: dict[str, registry.MetricSpec]
) -> list[registry.MetricSpec]:
    """The metrics this item gets a row for: the configured ones, then the derived ones that apply."""
    names = x.partition_config.get("metrics", [])
    configured = [specs[m] if m in specs else specs.setdefault(m, registry.get_metric(m)) for m in names]
    return [s for s in configured + derived if s.applicable(x, env)]


def _items(
    examples: pd.DataFrame, outputs: pd.DataFrame, parts_cfg: dict, dataset_version: str | None
) -> list[MetricInput]:
    """One MetricInput per (system, example): systems sorted, examples in order, texts parsed once."""
    ex = examples.drop_duplicates("example_id").set_index("example_id", drop=False)
    systems = sorted(outputs["system"].dropna().unique().tolist()) if len(outputs) else []
    out_idx = {(r.system, r.example_id): r for r in outputs.itertuples(index=False)}
    items: list[MetricInput] = []
    for system in systems:
        for e in ex.itertuples(index=False):
            part = str(getattr(e, "partition", "default") or "default")
            pc = parts_cfg.get(part) or parts_cfg.get("default", {})
            o = out_idx.get((system, e.example_id))
            gen_error = None
            text = None
            if o is None:
                gen_error = "no output for this example"
            else:
                err = getattr(o, "error", None)
                if not _is_missing(err) and str(err):
                    gen_error = f"generation error: {err}"
                text = None if _is_missing(getattr(o, "text", None)) else str(o.text)
                if text is None and gen_error is None:
                    gen_error = "output text is null"
            refv = getattr(e, "reference", None)
            item_constraints = _json_or(getattr(e, "constraints", None), {}) or {}
            if not isinstance(item_constraints, dict):  # surfaces as a failed, explained constraint row
                item_constraints = {"invalid_item_constraints": True}
            items.append(
                MetricInput(
                    index=len(items),
                    system=system,
                    example_id=e.example_id,
                    partition=part,
                    partition_config=pc,
                    version=(dataset_version or (getattr(e, "dataset_version", None)) or "unknown"),
                    question=question_of(getattr(e, "input_messages", None)),
                    context=context_of(getattr(e, "context", None)),
                    reference=None if _is_missing(refv) or not str(refv).strip() else str(refv),
                    constraints=merge_constraints(pc.get("constraints"), item_constraints),
                    text=text,
                    gen_error=gen_error,
                    output=o,
                )
            )
    return items

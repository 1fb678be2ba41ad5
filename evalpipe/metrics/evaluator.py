"""Per-example metric evaluation: examples x system outputs -> one long metrics table.

`evaluate()` applies, for each (system, example), every metric that `data/metrics.yaml` declares
for the example's partition, and adds an `overall` row whose verdict is the AND of the partition's
gate metrics. Long form (one row per metric) because the statistics layer pivots by metric and
slice, and because a failing metric must stay visible as a row with its error text: a metric
that raises yields value NaN, passed False and the error, and is never dropped.

Embeddings are computed once for the whole frame (deduplicated, batched, cached) before the
per-item loop, so the loop only does dictionary look-ups for them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalpipe.metrics import reference as ref_metrics
from evalpipe.metrics.constraints import PiiDetector, check_constraints_many, merge_constraints
from evalpipe.metrics.embedding import Embedder, default_embedder
from evalpipe.metrics.faithfulness import ClaimJudge, faithfulness, split_claims, split_sentences

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
TEXT_METRICS = {
    "exact_match",
    "token_f1",
    "contains",
    "numeric_match",
    "similarity",
    "constraints",
    "faithfulness",
}


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
) -> pd.DataFrame:
    """Score every (system, example) pair; returns the long table of METRIC_COLUMNS.

    examples: example_id, partition, input_messages, context, reference, constraints, tags
    (+ optional dataset_version). outputs: example_id, system, text, latency_ms, input_tokens,
    output_tokens, cost_usd, error. `judge` (a PointwiseJudge) adds `judge_score` rows; it is
    never part of the gate here (the caller gates on it only once it is calibrated).
    `claim_judge` is the optional faithfulness hook `(claim, context_sentences) -> bool | None`.
    `judge_verdicts_out`, when given, receives one dict per judged item (texts, score, sd,
    distribution, status, mode): what the human review loop picks its batch from.
    """
    cfg = config if isinstance(config, dict) else load_metrics_config(config)
    parts_cfg = cfg.get("partitions", {})
    emb_cfg = cfg.get("embedding", {}) or {}
    embedder = embedder or default_embedder(emb_cfg.get("cache_dir"))
    num_cfg = cfg.get("numeric", {}) or {}
    rel_tol, abs_tol = float(num_cfg.get("rel_tol", 0.005)), float(num_cfg.get("abs_tol", 1e-9))
    f_cfg = cfg.get("faithfulness", {}) or {}
    budgets = cfg.get("budgets", {}) or {}

    ex = examples.drop_duplicates("example_id").set_index("example_id", drop=False)
    systems = sorted(outputs["system"].dropna().unique().tolist()) if len(outputs) else []
    out_idx = {(r.system, r.example_id): r for r in outputs.itertuples(index=False)}

    # ---- prepare items -------------------------------------------------------------------------
    items = []
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
                {
                    "system": system,
                    "example_id": e.example_id,
                    "partition": part,
                    "pc": pc,
                    "version": (dataset_version or (getattr(e, "dataset_version", None)) or "unknown"),
                    "question": question_of(getattr(e, "input_messages", None)),
                    "context": context_of(getattr(e, "context", None)),
                    "reference": None if _is_missing(refv) or not str(refv).strip() else str(refv),
                    "constraints": merge_constraints(pc.get("constraints"), item_constraints),
                    "text": text,
                    "gen_error": gen_error,
                    "out": o,
                }
            )

    # ---- embeddings, once for everything ------------------------------------------------------
    sim_rows = [
        i
        for i, it in enumerate(items)
        if "similarity" in it["pc"].get("metrics", []) and it["reference"] and it["gen_error"] is None
    ]
    sims: dict[int, float | Exception] = {}
    try:
        if sim_rows:
            vals = embedder.similarity(
                [items[i]["text"] for i in sim_rows], [items[i]["reference"] for i in sim_rows]
            )
            sims = {i: float(v) for i, v in zip(sim_rows, vals, strict=True)}
    except Exception as exc:  # embedding failure: every similarity row carries the error
        sims = {i: exc for i in sim_rows}
    warm = [
        s
        for it in items
        if it["context"] and it["gen_error"] is None and "faithfulness" in it["pc"].get("metrics", [])
        for s in split_claims(it["text"]) + [x for c in it["context"] for x in split_sentences(c)]
    ]
    try:
        if warm:
            embedder.encode(warm)  # faithfulness then finds every claim/context sentence cached
    except Exception:
        pass  # each faithfulness row will record the error itself

    # constraints, deduplicated over identical (text, spec, question) triples
    c_rows = [
        i
        for i, it in enumerate(items)
        if "constraints" in it["pc"].get("metrics", []) and it["gen_error"] is None
    ]
    c_results = dict(
        zip(
            c_rows,
            check_constraints_many(
                [items[i]["text"] for i in c_rows],
                [items[i]["constraints"] for i in c_rows],
                [items[i]["question"] for i in c_rows],
                pii_detector,
            ),
            strict=True,
        )
    )

    judge_verdicts: dict[int, Any] = {}
    if judge is not None:
        from evalpipe.metrics.judge import JudgeItem

        jrows = [i for i, it in enumerate(items) if it["gen_error"] is None]
        try:
            verdicts = judge.score(
                [
                    JudgeItem(
                        items[i]["question"],
                        items[i]["text"],
                        items[i]["reference"],
                        items[i]["context"] or None,
                        items[i]["example_id"],
                    )
                    for i in jrows
                ]
            )
            judge_verdicts = dict(zip(jrows, verdicts, strict=True))
        except Exception as exc:
            judge_verdicts = {i: exc for i in jrows}
        if judge_verdicts_out is not None:
            for i, v in judge_verdicts.items():
                ok = not isinstance(v, Exception)
                judge_verdicts_out.append(
                    {
                        "system": items[i]["system"],
                        "example_id": items[i]["example_id"],
                        "partition": items[i]["partition"],
                        "question": items[i]["question"],
                        "answer": items[i]["text"],
                        "reference": items[i]["reference"],
                        "judge_score": v.score_mean if ok else None,
                        "judge_sd": v.score_sd if ok else None,
                        "judge_distribution": json.dumps(v.distribution, sort_keys=True)
                        if ok and v.distribution
                        else None,
                        "judge_status": v.status if ok else "error",
                        "judge_mode": getattr(judge, "mode", "json"),
                    }
                )

    # ---- per item -----------------------------------------------------------------------------
    rows: list[dict] = []
    for i, it in enumerate(items):
        pc, thr = it["pc"], it["pc"].get("thresholds", {}) or {}
        wanted: Sequence[str] = pc.get("metrics", [])
        results: dict[str, tuple[float, bool, str | None, str]] = {}

        def add(
            metric: str,
            value: float | None,
            passed: bool,
            error: str | None = None,
            detail: str = "",
            _results: dict = results,
        ) -> None:
            v = math.nan if value is None else float(value)
            _results[metric] = (v, bool(passed) and error is None, error, detail)

        text, refv = it["text"], it["reference"]
        for metric in wanted:
            if metric in ("latency_ms", "cost_usd"):
                o = it["out"]
                val = None if o is None else getattr(o, metric, None)
                if _is_missing(val):
                    add(metric, None, False, f"{metric} not recorded")
                else:
                    budget = budgets.get(metric)
                    add(
                        metric,
                        val,
                        budget is None or float(val) <= float(budget),
                        detail=f"budget {budget}" if budget is not None else "no budget",
                    )
                continue
            if metric in ("exact_match", "token_f1", "contains", "numeric_match", "similarity") and not refv:
                continue  # reference-free item: not applicable
            if metric == "faithfulness" and not it["context"]:
                continue
            if it["gen_error"] is not None:
                add(metric, None, False, it["gen_error"])
                continue
            try:
                if metric == "exact_match":
                    v = ref_metrics.exact_match(text, refv)
                    add(metric, v, v == 1.0)
                elif metric == "token_f1":
                    v = ref_metrics.token_f1(text, refv)
                    add(
                        metric,
                        v,
                        v >= thr.get("token_f1", 0.5),
                        detail=f"threshold {thr.get('token_f1', 0.5)}",
                    )
                elif metric == "contains":
                    v = ref_metrics.contains(text, refv)
                    add(metric, v, v == 1.0)
                elif metric == "numeric_match":
                    v = ref_metrics.numeric_match(text, refv, rel_tol, abs_tol)
                    if v is not None:
                        add(
                            metric,
                            v,
                            v == 1.0,
                            detail=f"reference numbers {ref_metrics.extract_numbers(refv)}",
                        )
                elif metric == "similarity":
                    s = sims.get(i)
                    if isinstance(s, Exception):
                        raise s
                    t = thr.get("similarity", 0.8)
                    add(metric, s, s is not None and s >= t, detail=f"threshold {t}")
                elif metric == "constraints":
                    res = c_results[i]
                    for r in res:
                        err = r.detail if r.value is None else None
                        add(f"constraint.{r.name}", None if err else float(r.passed), r.passed, err, r.detail)
                    n_ok = sum(r.passed for r in res)
                    failed = [r.name for r in res if not r.passed]
                    add(
                        "constraints",
                        n_ok / len(res) if res else 1.0,
                        not failed,
                        detail=("failed: " + ", ".join(failed)) if failed else f"{len(res)} passed",
                    )
                elif metric == "faithfulness":
                    fr = faithfulness(
                        text,
                        it["context"],
                        embedder,
                        float(f_cfg.get("support_threshold", 0.6)),
                        int(f_cfg.get("min_claim_words", 3)),
                        judge=claim_judge,
                        rel_tol=rel_tol,
                    )
                    t = thr.get("faithfulness", 0.7)
                    if fr.score is not None:  # no checkable claim (empty, greeting): not applicable
                        unsup = "; ".join(fr.unsupported)[:300]
                        add(
                            metric,
                            fr.score,
                            fr.score >= t,
                            detail=f"{fr.n_supported}/{fr.n_checkable} supported"
                            + (f"; unsupported: {unsup}" if unsup else ""),
                        )
                else:
                    add(metric, None, False, f"unknown metric {metric!r} in config")
            except Exception as exc:
                add(metric, None, False, f"{type(exc).__name__}: {exc}")

        # derived: reference_match (numbers must match when the reference has any; else exact/contains/F1)
        if refv and "reference_match" in pc.get("gate", []):
            if it["gen_error"] is not None:
                add("reference_match", None, False, it["gen_error"])
            elif "numeric_match" in results:
                v = results["numeric_match"]
                add("reference_match", v[0], v[1], v[2], "numbers in the reference")
            else:
                ok = any(results.get(m, (0, False))[1] for m in ("exact_match", "contains", "token_f1"))
                add("reference_match", float(ok), ok, detail="exact or contains or token_f1 >= threshold")

        if i in judge_verdicts:
            jv = judge_verdicts[i]
            if isinstance(jv, Exception):
                add("judge_score", None, False, f"{type(jv).__name__}: {jv}")
            elif jv.status in ("ok", "partial"):
                add(
                    "judge_score",
                    jv.score_mean,
                    jv.passed,
                    detail=f"{jv.status}; var={jv.score_var}; {(jv.reason or '')[:200]}",
                )
            else:
                add("judge_score", None, False, f"judge {jv.status}: {jv.detail}"[:300])

        gate = [m for m in pc.get("gate", []) if m in results]
        failed_gate = [m for m in gate if not results[m][1]]
        if it["gen_error"] is not None and not gate:
            failed_gate = ["generation"]
        add(
            "overall",
            float(not failed_gate),
            not failed_gate,
            detail=("failed: " + ", ".join(failed_gate))
            if failed_gate
            else f"gate: {', '.join(gate) or 'none'}",
        )

        for metric, (v, p, err, detail) in results.items():
            rows.append(
                {
                    "dataset_version": it["version"],
                    "system": it["system"],
                    "example_id": it["example_id"],
                    "partition": it["partition"],
                    "metric": metric,
                    "value": v,
                    "passed": p,
                    "error": err,
                    "detail": detail,
                }
            )
    df = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    df["value"] = df["value"].astype("float64")
    df["passed"] = df["passed"].astype(bool)
    return df

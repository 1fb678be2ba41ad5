"""The shipped metrics and their batch pre-computes, registered by name (see `registry`).

Registration order matters twice: pre-computes run in this order (similarity embeddings first,
then the faithfulness warm-up, constraints, the judge: what the evaluator always did), and the
derived metrics run in this order after the configured ones (reference_match, judge_score, overall).
"""

from __future__ import annotations

import json
import math
from typing import Any, cast

import pandas as pd

from evalpipe.metrics import reference as ref_metrics
from evalpipe.metrics.constraints import check_constraints_many
from evalpipe.metrics.faithfulness import faithfulness as faithfulness_of
from evalpipe.metrics.faithfulness import split_claims, split_sentences
from evalpipe.metrics.registry import MetricEnv, MetricInput, Score, metric, precompute


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


# ---------------------------------------------------------------------------------- pre-computes
@precompute("similarity")
def _similarities(items: list[MetricInput], env: MetricEnv) -> dict[int, Any]:
    """Cosine of answer vs reference for every item at once; a failure is every item's error."""
    try:
        vals = env.embedder.similarity([x.text for x in items], [x.reference for x in items])
        return {x.index: float(v) for x, v in zip(items, vals, strict=True)}
    except Exception as exc:
        return {x.index: exc for x in items}


@precompute("claim_embeddings")
def _warm_claims(items: list[MetricInput], env: MetricEnv) -> dict[int, Any]:
    """Encode every claim and context sentence once, so faithfulness finds them cached."""
    warm = [
        s
        for x in items
        for s in split_claims(cast(str, x.text)) + [t for c in x.context for t in split_sentences(c)]
    ]
    try:
        env.embedder.encode(warm)
    except Exception:
        pass  # each faithfulness row records the error itself
    return {}


@precompute("constraints")
def _constraints(items: list[MetricInput], env: MetricEnv) -> dict[int, Any]:
    """Constraint checks, deduplicated over identical (text, spec, question) triples."""
    results = check_constraints_many(
        [x.text for x in items], [x.constraints for x in items], [x.question for x in items], env.pii_detector
    )
    return {x.index: r for x, r in zip(items, results, strict=True)}


@precompute("judge")
def _judge(items: list[MetricInput], env: MetricEnv) -> dict[int, Any]:
    """One judge call over every judged item; `judge_verdicts_out` gets the review-loop records."""
    from evalpipe.metrics.judge import JudgeItem

    judge = env.judge
    try:
        verdicts = judge.score(
            [
                JudgeItem(x.question, cast(str, x.text), x.reference, x.context or None, x.example_id)
                for x in items
            ]
        )
        out: dict[int, Any] = {x.index: v for x, v in zip(items, verdicts, strict=True)}
    except Exception as exc:
        out = {x.index: exc for x in items}
    if env.judge_verdicts_out is not None:
        for x in items:
            v = out[x.index]
            ok = not isinstance(v, Exception)
            env.judge_verdicts_out.append(
                {
                    "system": x.system,
                    "example_id": x.example_id,
                    "partition": x.partition,
                    "question": x.question,
                    "answer": x.text,
                    "reference": x.reference,
                    "judge_score": v.score_mean if ok else None,
                    "judge_sd": v.score_sd if ok else None,
                    "judge_distribution": json.dumps(v.distribution, sort_keys=True)
                    if ok and v.distribution
                    else None,
                    "judge_status": v.status if ok else "error",
                    "judge_mode": getattr(judge, "mode", "json"),
                }
            )
    return out


# ---------------------------------------------------------------------------------- pass-through
def _budgeted(name: str) -> None:
    @metric(name, needs=())
    def budgeted(x: MetricInput, env: MetricEnv) -> Score:
        val = None if x.output is None else getattr(x.output, name, None)
        if _missing(val):
            return Score(name, None, False, f"{name} not recorded")
        budget = env.section("budgets").get(name)
        return Score(
            name,
            val,
            budget is None or float(cast(float, val)) <= float(budget),  # _missing() excluded None
            detail=f"budget {budget}" if budget is not None else "no budget",
        )


_budgeted("latency_ms")
_budgeted("cost_usd")


# ---------------------------------------------------------------------------------- reference
@metric("exact_match", needs=("reference", "text"))
def exact_match(x: MetricInput, env: MetricEnv) -> Score:
    v = ref_metrics.exact_match(x.text, x.reference)
    return Score("exact_match", v, v == 1.0)


@metric("token_f1", needs=("reference", "text"), threshold=0.5)
def token_f1(x: MetricInput, env: MetricEnv) -> Score:
    v = ref_metrics.token_f1(x.text, x.reference)
    return Score("token_f1", v, v >= x.threshold, detail=f"threshold {x.threshold}")


@metric("contains", needs=("reference", "text"))
def contains(x: MetricInput, env: MetricEnv) -> Score:
    v = ref_metrics.contains(x.text, x.reference)
    return Score("contains", v, v == 1.0)


@metric("numeric_match", needs=("reference", "text"))
def numeric_match(x: MetricInput, env: MetricEnv) -> Score | None:
    v = ref_metrics.numeric_match(x.text, x.reference, env.rel_tol, env.abs_tol)
    if v is None:  # the reference has no number: not applicable
        return None
    return Score(
        "numeric_match", v, v == 1.0, detail=f"reference numbers {ref_metrics.extract_numbers(x.reference)}"
    )


@metric("similarity", needs=("reference", "text"), uses=("similarity",), threshold=0.8)
def similarity(x: MetricInput, env: MetricEnv) -> Score:
    s = env.batch["similarity"].get(x.index)
    if isinstance(s, Exception):
        raise s
    return Score("similarity", s, s is not None and s >= x.threshold, detail=f"threshold {x.threshold}")


# ---------------------------------------------------------------------------------- reference-free
@metric("constraints", needs=("text",), uses=("constraints",))
def constraints(x: MetricInput, env: MetricEnv) -> list[Score]:
    """One row per checked constraint (`constraint.<name>`) and the share that passed."""
    res = env.batch["constraints"][x.index]
    rows = []
    for r in res:
        err = r.detail if r.value is None else None
        rows.append(Score(f"constraint.{r.name}", None if err else float(r.passed), r.passed, err, r.detail))
    failed = [r.name for r in res if not r.passed]
    rows.append(
        Score(
            "constraints",
            sum(r.passed for r in res) / len(res) if res else 1.0,
            not failed,
            detail=("failed: " + ", ".join(failed)) if failed else f"{len(res)} passed",
        )
    )
    return rows


@metric("faithfulness", needs=("context", "text"), uses=("claim_embeddings",), threshold=0.7)
def faithfulness(x: MetricInput, env: MetricEnv) -> Score | None:
    f_cfg = env.section("faithfulness")
    fr = faithfulness_of(
        x.text,
        x.context,
        env.embedder,
        float(f_cfg.get("support_threshold", 0.6)),
        int(f_cfg.get("min_claim_words", 3)),
        judge=env.claim_judge,
        rel_tol=env.rel_tol,
    )
    if fr.score is None:  # no checkable claim (empty, greeting): not applicable
        return None
    unsup = "; ".join(fr.unsupported)[:300]
    return Score(
        "faithfulness",
        fr.score,
        fr.score >= x.threshold,
        detail=f"{fr.n_supported}/{fr.n_checkable} supported" + (f"; unsupported: {unsup}" if unsup else ""),
    )


# ---------------------------------------------------------------------------------- derived
@metric(
    "reference_match",
    needs=("reference", "text"),
    derived=True,
    applies=lambda x, env: "reference_match" in x.partition_config.get("gate", []),
)
def reference_match(x: MetricInput, env: MetricEnv) -> Score:
    """Numbers must match when the reference has any; otherwise exact or contains or token F1."""
    num = x.results.get("numeric_match")
    if num is not None:
        return Score("reference_match", num.value, num.passed, num.error, "numbers in the reference")
    ok = any(x.results[m].passed for m in ("exact_match", "contains", "token_f1") if m in x.results)
    return Score("reference_match", float(ok), ok, detail="exact or contains or token_f1 >= threshold")


@metric(
    "judge_score",
    needs=("text",),
    uses=("judge",),
    derived=True,
    on_failed_output="skip",
    applies=lambda x, env: (
        env.judge is not None and (env.judge_partitions is None or x.partition in env.judge_partitions)
    ),
)
def judge_score(x: MetricInput, env: MetricEnv) -> Score:
    """The judge's mean score; never part of the gate here (the caller gates on it once calibrated)."""
    jv = env.batch["judge"][x.index]
    if isinstance(jv, Exception):
        return Score("judge_score", None, False, f"{type(jv).__name__}: {jv}")
    if jv.status in ("ok", "partial"):
        return Score(
            "judge_score",
            jv.score_mean,
            jv.passed,
            detail=f"{jv.status}; var={jv.score_var}; {(jv.reason or '')[:200]}",
        )
    return Score("judge_score", None, False, f"judge {jv.status}: {jv.detail}"[:300])


@metric("overall", needs=(), derived=True)
def overall(x: MetricInput, env: MetricEnv) -> Score:
    """AND of the partition's gate metrics that produced a row; a failed generation with no gate row fails."""
    gate = [m for m in x.partition_config.get("gate", []) if m in x.results]
    failed = [m for m in gate if not x.results[m].passed]
    if x.gen_error is not None and not gate:
        failed = ["generation"]
    return Score(
        "overall",
        float(not failed),
        not failed,
        detail=("failed: " + ", ".join(failed)) if failed else f"gate: {', '.join(gate) or 'none'}",
    )

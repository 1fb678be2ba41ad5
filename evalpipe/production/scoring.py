"""Reference-free scores of logged production calls (one long row per call x metric).

Why: offline evaluation scores candidate systems on a sample of production *inputs*; this scores
what production actually *answered*, every day.  A production call has no reference, but it
carries its own retrieved context, its question, its tool traffic and its session, which is
enough for faithfulness, constraint checks and tool errors.  The metric code is the one
`example_metrics` uses (`evalpipe.metrics`: `faithfulness_many` / `_label_claims`,
`check_constraints_many`, `check_json`, `check_no_pii`): one implementation, two callers.

Value convention (as in `example_metrics`): `faithfulness` is the supported share of checkable
claims; `constraint.*` are 1.0 = passed; `faithfulness.unsupported_number` (a claim whose number
is not in its best-matching context sentence: the hallucinated price), `tool_error` and
`session_retry` are 1.0 = it happened.  `status` is `ok`, `not_checkable` (value null: no
context, no answer text, nothing decidable, not asked for JSON ...; never a failure) or `error`
(the metric raised; detail says why).  `PRODUCTION_METRICS` gives each metric's direction.

Batched: the rows are parsed once, pseudonyms are normalised (`<PERSON_3f9a21c0>` -> `<PERSON>`:
the hash carries no meaning for support, and its hex digits must not read as numbers), every
distinct sentence is embedded once and every distinct (answer, spec, question) constraint set
is checked once.  `benchmarks/production_scoring.py` measures it against a one-call loop.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalpipe.metrics.constraints import (
    ConstraintResult,
    check_constraints_many,
    check_json,
    check_no_pii,
    default_pii_detector,
)
from evalpipe.metrics.embedding import Embedder
from evalpipe.metrics.evaluator import context_of, message_text
from evalpipe.metrics.faithfulness import UNSUPPORTED, FaithfulnessResult, faithfulness_many
from evalpipe.metrics.reference import extract_numbers, numbers_close

SCORE_COLUMNS = [
    "day",
    "record_id",
    "call_id",
    "session_id",
    "production_model",
    "metric",
    "value",
    "weight",
    "status",
    "detail",
]

# metric -> higher is better
PRODUCTION_METRICS: dict[str, bool] = {
    "faithfulness": True,
    "faithfulness.unsupported_number": False,
    "faithfulness.unsupported_price": False,
    "constraint.forbidden_terms": True,
    "constraint.language": True,
    "constraint.refusal": True,
    "constraint.json": True,
    "constraint.no_pii": True,
    "tool_error": False,
    "session_retry": False,
    "judge_score": True,
}
BINARY_METRICS = frozenset(m for m in PRODUCTION_METRICS if m not in ("faithfulness", "judge_score"))

_PRICE = re.compile(
    r"[$€£]\s?\d(?:[\d,.]*\d)?(?:\s?(?:k|M|million|bn)\b)?|\d(?:[\d,.]*\d)?\s?(?:[$€£]|USD|EUR|GBP|dollars?|euros?)(?!\w)",
    re.IGNORECASE,
)
_PSEUDONYM = re.compile(r"<([A-Z][A-Z_]*?)_[0-9a-f]{4,}>")
OK, NOT_CHECKABLE, ERROR = "ok", "not_checkable", "error"


def default_config_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "production_scores.yaml"


@dataclass
class ProductionScoringConfig:
    """What `data/production_scores.yaml` declares (defaults = the shipped file)."""

    max_calls_per_model_day: int = 20_000
    salt: str = "production-scores-v1"
    support_threshold: float = 0.6
    min_claim_words: int = 3
    rel_tol: float = 0.005
    forbidden_terms: list[str] = field(default_factory=list)
    language: str = "match"
    refusal_warranted_patterns: list[str] = field(default_factory=list)
    json_request_pattern: str = r"\bJSON\b"
    pii_entities: list[str] = field(default_factory=lambda: ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"])
    tool_error_pattern: str = r"(?i)\"error\"\s*:|\berror\b"
    judge_enabled: bool = False
    judge_max_calls_per_day: int = 500
    quality_metrics: list[str] = field(default_factory=lambda: list(PRODUCTION_METRICS))

    @classmethod
    def load(cls, path: str | Path | None = None) -> ProductionScoringConfig:
        """From the typed file model (a wrong key is a ConfigError naming the file and the key)."""
        from evalpipe.config import ProductionScoresFile, load_config

        f = load_config(path or default_config_path(), ProductionScoresFile)
        c = f.constraints
        return cls(
            max_calls_per_model_day=f.sampling.max_calls_per_model_day,
            salt=f.sampling.salt,
            support_threshold=f.faithfulness.support_threshold,
            min_claim_words=f.faithfulness.min_claim_words,
            rel_tol=f.faithfulness.rel_tol,
            forbidden_terms=list(c.forbidden_terms),
            language=c.language,
            refusal_warranted_patterns=list(c.refusal_warranted_patterns),
            json_request_pattern=c.json_request_pattern,
            pii_entities=list(c.pii_entities),
            tool_error_pattern=f.tools.error_pattern,
            judge_enabled=f.judge.enabled,
            judge_max_calls_per_day=f.judge.max_calls_per_day,
            quality_metrics=list(PRODUCTION_METRICS if f.quality.metrics is None else f.quality.metrics),
        )


# ---------------------------------------------------------------------------------------------
# Parsing canonical llm_call rows
# ---------------------------------------------------------------------------------------------


def normalise_pseudonyms(text: str | None) -> str:
    """`<EMAIL_ADDRESS_1a2b3c4d>` -> `<EMAIL_ADDRESS>`: same meaning for scoring, no stray digits."""
    return _PSEUDONYM.sub(r"<\1>", text or "")


def _loads(value: Any, default: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else default
        except ValueError:
            return default
    return value


@dataclass
class ParsedCall:
    """What the metrics need from one canonical row."""

    answer: str | None  # assistant text (None: the call failed or answered with tool calls only)
    answer_raw: str  # with pseudonym ids (PII counting)
    question: str
    context: list[str]
    json_schema: dict | None
    asked_json: bool
    tool_results: list[str]
    tool_calls: list[tuple[str, str]]  # (name, canonical arguments) in input and output
    bad_tool_calls: list[str]  # output tool calls with unparsable arguments or to unknown tools
    failed: str | None  # error type when the call itself failed


def parse_call(row: dict, json_re: re.Pattern[str]) -> ParsedCall:
    """Extract answer, question, context, JSON request and tool traffic from an llm_call row."""
    inputs = _loads(row.get("input_messages"), []) or []
    outputs = _loads(row.get("output_messages"), []) or []
    params = _loads(row.get("params"), {}) or {}
    system = _loads(row.get("system_instructions"), []) or []
    offered = {
        (t.get("function") or t).get("name")
        for t in (_loads(row.get("tools"), []) or [])
        if isinstance(t, dict)
    }
    users = [m for m in inputs if isinstance(m, dict) and m.get("role") == "user"]
    question = normalise_pseudonyms(message_text(users[-1])) if users else ""
    texts = [
        message_text(m) for m in outputs if isinstance(m, dict) and m.get("role", "assistant") == "assistant"
    ]
    answer_raw = "\n".join(t for t in texts if t)
    tool_results, tool_calls, bad = [], [], []
    # Only this turn's tool traffic: the history carried in `input_messages` repeats earlier turns.
    last_user = max(
        (i for i, m in enumerate(inputs) if isinstance(m, dict) and m.get("role") == "user"), default=-1
    )
    for is_out, msgs in ((False, inputs[last_user + 1 :]), (True, outputs)):
        for m in msgs:
            if not isinstance(m, dict):
                continue
            for p in m.get("parts", []) or []:
                if not isinstance(p, dict):
                    continue
                if p.get("type") == "tool_call_response":
                    r = p.get("response")
                    tool_results.append(
                        r if isinstance(r, str) else json.dumps(r, sort_keys=True, default=str)
                    )
                elif p.get("type") == "tool_call":
                    args = p.get("arguments")
                    if isinstance(args, str):
                        try:
                            args = json.loads(args) if args.strip() else {}
                        except ValueError:
                            if is_out:
                                bad.append(f"{p.get('name')}: arguments are not JSON")
                    canon = args if isinstance(args, str) else json.dumps(args, sort_keys=True, default=str)
                    tool_calls.append((str(p.get("name")), normalise_pseudonyms(canon)))
                    if is_out and offered - {None} and p.get("name") not in offered:
                        bad.append(f"{p.get('name')}: not an offered tool")
    rf = params.get("response_format") if isinstance(params, dict) else None
    rf_type = rf.get("type") if isinstance(rf, dict) else (rf if isinstance(rf, str) else None)
    schema = None
    if isinstance(rf, dict) and rf_type == "json_schema":
        js = rf.get("json_schema") or {}
        schema = js.get("schema") if isinstance(js, dict) else None
    sys_text = " ".join(
        str(p.get("content", "")) for p in (system if isinstance(system, list) else []) if isinstance(p, dict)
    )
    asked = rf_type in ("json_object", "json_schema") or bool(
        json_re.search(sys_text) or json_re.search(question)
    )
    failed = None
    if str(row.get("status") or "ok") == "error":
        failed = str(row.get("error_type") or "error")
    elif row.get("finish_reason") == "content_filter":
        failed = "content_filter"
    return ParsedCall(
        answer=normalise_pseudonyms(answer_raw) if answer_raw.strip() and not failed else None,
        answer_raw=answer_raw,
        question=question,
        context=[normalise_pseudonyms(c) for c in context_of(row.get("retrieved_context"))],
        json_schema=schema,
        asked_json=asked,
        tool_results=tool_results,
        tool_calls=tool_calls,
        bad_tool_calls=bad,
        failed=failed,
    )


# ---------------------------------------------------------------------------------------------
# Sampling with design weights
# ---------------------------------------------------------------------------------------------


def _hash_unit(salt: str, key: str) -> float:
    h = hashlib.blake2b(f"{salt}\x1f{key}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def sample_calls(calls: pd.DataFrame, max_calls: int, salt: str) -> pd.DataFrame:
    """Deterministic sample of whole sessions per production model, with design weights.

    Why sessions: session metrics (retries) need every call of a session, and the SEs are
    session-clustered anyway.  Within a model, sessions are taken in the order of a salted hash
    until `max_calls` calls are reached; every call then carries weight N_sessions / n_sessions of
    its model (1.0 when everything is scored).  Same input, same salt -> same sample.
    """
    out = []
    model = calls["request_model"].fillna("unknown")
    sess = calls["session_id"].fillna(calls["record_id"])
    for _, g in calls.groupby(model, sort=True):
        if len(g) <= max_calls:
            out.append(g.assign(weight=1.0))
            continue
        s = sess.loc[g.index]
        sizes = s.value_counts()
        order = sorted(sizes.index, key=lambda k: _hash_unit(salt, str(k)))
        cum = np.cumsum(sizes.loc[order].to_numpy())
        n_take = max(1, int(np.searchsorted(cum, max_calls, side="right")))
        keep = set(order[:n_take])
        out.append(g[s.isin(keep)].assign(weight=len(order) / n_take))
    return pd.concat(out) if out else calls.assign(weight=pd.Series(dtype=float))


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


def _retries(calls: pd.DataFrame, parsed: Sequence[ParsedCall]) -> list[tuple[float | None, str]]:
    """1.0 when a call repeats an earlier call of its session: the same question sent again (a
    client or user retry), or a tool call with the same name and arguments made again."""
    out: list[tuple[float | None, str]] = [(None, "no session id")] * len(parsed)
    order = calls.assign(_i=range(len(calls))).sort_values(
        ["started_at", "turn_index", "record_id"], na_position="last"
    )
    seen_q: dict[str, set[str]] = {}
    seen_t: dict[str, set[tuple[str, str]]] = {}
    for i, sid, turn in zip(order["_i"], order["session_id"], order["turn_index"], strict=True):
        if sid is None or (isinstance(sid, float) and math.isnan(sid)):
            continue
        p = parsed[i]
        qs, ts = seen_q.setdefault(sid, set()), seen_t.setdefault(sid, set())
        q = " ".join(p.question.lower().split())
        reasons = []
        if q and q in qs:
            reasons.append("question asked again")
        rep = [f"{n}({a[:40]})" for n, a in p.tool_calls if (n, a) in ts]
        if rep:
            reasons.append("tool call repeated: " + ", ".join(rep[:2]))
        out[i] = (float(bool(reasons)), "; ".join(reasons) or f"turn {turn}: no repeat")
        if q:
            qs.add(q)
        ts.update(p.tool_calls)
    return out


def score_calls(
    calls: pd.DataFrame,
    embedder: Embedder,
    config: ProductionScoringConfig | None = None,
    *,
    judge: Any | None = None,
    judge_calibrated: bool = False,
    sample: bool = True,
) -> pd.DataFrame:
    """Score canonical llm_call rows (one day, scrubbed) -> long table of SCORE_COLUMNS.

    `judge` (a PointwiseJudge) adds `judge_score` rows only when `judge_calibrated` and the
    config enables it, on at most `judge_max_calls_per_day` calls (hash order).
    """
    cfg = config or ProductionScoringConfig.load()
    if calls is None or len(calls) == 0:
        return pd.DataFrame(columns=SCORE_COLUMNS).astype({"value": float, "weight": float})
    calls = calls.reset_index(drop=True)
    drawn = sample_calls(calls, cfg.max_calls_per_model_day, cfg.salt) if sample else calls.assign(weight=1.0)
    drawn = drawn.sort_index()
    json_re = re.compile(cfg.json_request_pattern, re.IGNORECASE)
    warrant_re = (
        re.compile("|".join(f"(?:{p})" for p in cfg.refusal_warranted_patterns), re.IGNORECASE)
        if cfg.refusal_warranted_patterns
        else None
    )
    tool_err_re = re.compile(cfg.tool_error_pattern)
    pii_types = set(cfg.pii_entities)
    cols = [
        "input_messages",
        "output_messages",
        "params",
        "system_instructions",
        "tools",
        "retrieved_context",
        "status",
        "error_type",
        "finish_reason",
    ]
    records = drawn.reindex(columns=cols).to_dict("records")
    parsed = [parse_call(r, json_re) for r in records]
    n = len(parsed)
    rows: dict[str, list[tuple[float | None, str, str]]] = {}

    # faithfulness, batched over distinct (answer, context) pairs
    fr = faithfulness_many(
        [p.answer for p in parsed],
        [p.context if p.answer is not None else None for p in parsed],
        embedder,
        cfg.support_threshold,
        cfg.min_claim_words,
        rel_tol=cfg.rel_tol,
    )
    names = ("faithfulness", "faithfulness.unsupported_number", "faithfulness.unsupported_price")
    per_call = [
        _faith_rows(p, r, cfg.support_threshold, cfg.rel_tol) for p, r in zip(parsed, fr, strict=True)
    ]
    for k, name in enumerate(names):
        rows[name] = [c[k] for c in per_call]

    # constraints through the evaluator's checker (deduplicated over identical triples)
    base_spec = {"forbidden_terms": cfg.forbidden_terms, "language": cfg.language}
    with_refusal = {**base_spec, "refusal": "not_expected"}
    specs, texts, questions, idx = [], [], [], []
    for i, p in enumerate(parsed):
        if p.answer is None:
            continue
        warranted = (not p.context) or bool(warrant_re and warrant_re.search(p.question))
        specs.append(base_spec if warranted else with_refusal)
        texts.append(p.answer)
        questions.append(p.question)
        idx.append(i)
    cres = dict(zip(idx, check_constraints_many(texts, specs, questions), strict=True))
    for name in ("forbidden_terms", "language", "refusal"):
        rows[f"constraint.{name}"] = [_constraint_row(parsed[i], cres.get(i), name) for i in range(n)]

    json_memo: dict[tuple[str, str], ConstraintResult] = {}
    pii_memo: dict[str, ConstraintResult] = {}

    def pii_detector(text: str) -> list:
        found = [(m.group(1), m.group(0)) for m in _PSEUDONYM.finditer(text) if m.group(1) in pii_types]
        return found + default_pii_detector(normalise_pseudonyms(text))

    jrows: list[tuple[float | None, str, str]] = []
    prow: list[tuple[float | None, str, str]] = []
    for p in parsed:
        if p.answer is None:
            jrows.append((None, NOT_CHECKABLE, _why_no_answer(p)))
            prow.append((None, NOT_CHECKABLE, _why_no_answer(p)))
            continue
        if not p.asked_json:
            jrows.append((None, NOT_CHECKABLE, "call did not ask for JSON"))
        else:
            key = (p.answer, json.dumps(p.json_schema, sort_keys=True))
            r = json_memo.get(key) or json_memo.setdefault(key, check_json(p.answer, p.json_schema))
            jrows.append((float(r.passed), OK, r.detail))
        r = pii_memo.get(p.answer_raw) or pii_memo.setdefault(
            p.answer_raw, check_no_pii(p.answer_raw, pii_detector)
        )
        prow.append((float(r.passed), OK, r.detail))
    rows["constraint.json"], rows["constraint.no_pii"] = jrows, prow

    trows: list[tuple[float | None, str, str]] = []
    for p in parsed:
        if not p.tool_results and not p.tool_calls:
            trows.append((None, NOT_CHECKABLE, "no tool activity"))
            continue
        errs = [r[:60] for r in p.tool_results if tool_err_re.search(r or "")] + p.bad_tool_calls
        trows.append(
            (
                float(bool(errs)),
                OK,
                ("; ".join(errs)[:200]) if errs else f"{len(p.tool_calls)} tool call(s) ok",
            )
        )
    rows["tool_error"] = trows
    rows["session_retry"] = [
        (v, OK if v is not None else NOT_CHECKABLE, d) for v, d in _retries(drawn, parsed)
    ]

    if judge is not None and judge_calibrated and cfg.judge_enabled:
        rows["judge_score"] = _judge_rows(drawn, parsed, judge, cfg)

    return _long_frame(drawn, rows)


def _why_no_answer(p: ParsedCall) -> str:
    return f"call failed: {p.failed}" if p.failed else "no answer text (tool calls only or empty)"


def _faith_rows(p: ParsedCall, r: FaithfulnessResult | None, threshold: float, rel_tol: float) -> tuple:
    """faithfulness, unsupported_number and unsupported_price rows of one call."""
    why = _why_no_answer(p) if p.answer is None else None
    if why is None and r is None:
        why = "no retrieved context"
    if why is not None:
        return ((None, NOT_CHECKABLE, why),) * 3
    assert r is not None and p.answer is not None  # else `why` is set above
    out: list[tuple[float | None, str, str]] = []
    if r.score is None:
        out += [(None, NOT_CHECKABLE, "no checkable claim")] * 2
    else:
        unsup = "; ".join(r.unsupported)[:200]
        out.append(
            (
                r.score,
                OK,
                f"{r.n_supported}/{r.n_checkable} supported" + (f"; unsupported: {unsup}" if unsup else ""),
            )
        )
        # A claim close to its evidence sentence but unsupported: its number is not there (a wrong
        # price, period or limit), the failure embeddings alone cannot see.
        claims = [c for c in r.claims if c.label != "not_checkable" and extract_numbers(c.text)]
        bad = [c.text for c in claims if c.label == UNSUPPORTED and (c.support or 0.0) >= threshold]
        if not claims:
            out.append((None, NOT_CHECKABLE, "no claim with a number"))
        else:
            detail = (
                "number not in its evidence: " + "; ".join(bad)
                if bad
                else f"{len(claims)} claim(s) supported"
            )
            out.append((float(bool(bad)), OK, detail[:200]))
    # Hallucinated price: a quoted amount that appears nowhere in the call's retrieved context
    # (per amount, not per claim: a claim naming two plans' prices spans two context lines).
    prices = [(m.group(0), v) for m in _PRICE.finditer(p.answer) for v in extract_numbers(m.group(0))]
    if not prices:
        out.append((None, NOT_CHECKABLE, "no price quoted"))
    else:
        ctx_nums = [v for c in p.context for v in extract_numbers(c)]
        wrong = [t for t, v in prices if not any(numbers_close(v, c, rel_tol) for c in ctx_nums)]
        detail = (
            "price not in the context: " + ", ".join(wrong)
            if wrong
            else f"{len(prices)} price(s) in the context"
        )
        out.append((float(bool(wrong)), OK, detail[:200]))
    return tuple(out)


def _constraint_row(
    p: ParsedCall, res: list[ConstraintResult] | None, name: str
) -> tuple[float | None, str, str]:
    if p.answer is None:
        return (None, NOT_CHECKABLE, _why_no_answer(p))
    r = next((x for x in res or [] if x.name == name), None)
    if r is None:
        return (None, NOT_CHECKABLE, "refusal warranted or no context to answer from")
    if r.value is None:
        return (None, ERROR, r.detail)
    if name == "language" and r.detail.startswith("not decidable"):
        return (None, NOT_CHECKABLE, r.detail)
    return (float(r.passed), OK, r.detail)


def _judge_rows(
    drawn: pd.DataFrame, parsed: Sequence[ParsedCall], judge: Any, cfg: ProductionScoringConfig
) -> list[tuple[float | None, str, str]]:
    from evalpipe.metrics.judge import JudgeItem

    out: list[tuple[float | None, str, str]] = [(None, NOT_CHECKABLE, "not in the judged subsample")] * len(
        parsed
    )
    cand = [i for i, p in enumerate(parsed) if p.answer is not None]
    cand.sort(key=lambda i: _hash_unit(cfg.salt + ":judge", str(drawn["record_id"].iloc[i])))
    cand = cand[: cfg.judge_max_calls_per_day]
    items = [
        JudgeItem(
            parsed[i].question,
            parsed[i].answer or "",
            None,
            parsed[i].context or None,
            str(drawn["record_id"].iloc[i]),
        )
        for i in cand
    ]
    try:
        verdicts = judge.score(items) if items else []
    except Exception as exc:  # a judge outage shows as error rows, never as missing ones
        return [
            (None, ERROR, f"{type(exc).__name__}: {exc}"[:200]) if i in set(cand) else out[i]
            for i in range(len(parsed))
        ]
    for i, v in zip(cand, verdicts, strict=True):
        out[i] = (
            (v.score_mean, OK, v.status)
            if v.status in ("ok", "partial")
            else (None, ERROR, f"judge {v.status}")
        )
    return out


def _long_frame(
    drawn: pd.DataFrame, rows: Mapping[str, Sequence[tuple[float | None, str, str]]]
) -> pd.DataFrame:
    n = len(drawn)
    base = pd.DataFrame(
        {
            "day": drawn["day"].astype(str).to_numpy(),
            "record_id": drawn["record_id"].astype(str).to_numpy(),
            "call_id": drawn["call_id"].to_numpy() if "call_id" in drawn else None,
            "session_id": drawn["session_id"].to_numpy(),
            "production_model": drawn["request_model"].fillna("unknown").astype(str).to_numpy(),
            "weight": drawn["weight"].astype(float).to_numpy(),
        }
    )
    parts = []
    for metric, vals in rows.items():
        v, s, d = zip(*vals, strict=True) if n else ((), (), ())
        parts.append(
            base.assign(
                metric=metric,
                value=np.array([np.nan if x is None else float(x) for x in v], dtype=float),
                status=list(s),
                detail=list(d),
            )
        )
    out = pd.concat(parts, ignore_index=True)[SCORE_COLUMNS]
    return out


SCORING_VERSION = "production_scores/1"


def scoring_summary(calls: pd.DataFrame, scores: pd.DataFrame) -> dict:
    """Counts that reconcile a day's scoring (what the asset shows and its checks decide on)."""
    n_calls = len(calls)
    scored = int(scores["record_id"].nunique()) if len(scores) else 0
    metrics = sorted(scores["metric"].unique()) if len(scores) else []
    per_call = scores.groupby("record_id")["metric"].nunique() if len(scores) else pd.Series(dtype=int)
    complete = bool((per_call == len(metrics)).all()) if len(scores) else n_calls == 0
    errors = int((scores["status"] == ERROR).sum()) if len(scores) else 0
    checkable = int((scores["status"] != NOT_CHECKABLE).sum()) if len(scores) else 0
    by_metric = (
        scores.groupby("metric")
        .agg(
            ok=("status", lambda s: int((s == OK).sum())),
            not_checkable=("status", lambda s: int((s == NOT_CHECKABLE).sum())),
            error=("status", lambda s: int((s == ERROR).sum())),
            mean=("value", "mean"),
        )
        .reset_index()
        if len(scores)
        else pd.DataFrame()
    )
    return {
        "calls": n_calls,
        "calls_scored": scored,
        "calls_not_sampled": n_calls - scored,
        "rows_expected": scored * len(metrics),
        "reconciles": complete and len(scores) == scored * len(metrics) and scored <= n_calls,
        "sampled": bool(len(scores) and (scores["weight"] != 1.0).any()),
        "error_rows": errors,
        "error_share": errors / checkable if checkable else 0.0,
        "by_metric": by_metric,
    }

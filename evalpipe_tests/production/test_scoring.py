"""Production scoring on hand-made canonical rows (bag-of-words embedder: fast, model-free)."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

from evalpipe.metrics.embedding import Embedder
from evalpipe.metrics.faithfulness import faithfulness, faithfulness_many
from evalpipe.monitoring.quality import production_quality
from evalpipe.production.scoring import ProductionScoringConfig, sample_calls, score_calls
from evalpipe_tests.metrics.conftest import bow_encode

CTX = [{"id": "kb/pricing.md#1", "content": "The Team plan costs $29 per user per month.", "score": 0.9}]


def _emb() -> Embedder:
    return Embedder(bow_encode, fingerprint="bow")


def _row(
    answer: str | None = "The Team plan costs $29 per user per month.",
    question: str = "How much is the Team plan?",
    context: list | None = None,
    *,
    rid: str | None = None,
    session: str = "s1",
    turn: int = 0,
    model: str = "gpt-4o-mini",
    status: str = "ok",
    params: dict | None = None,
    extra_inputs: list | None = None,
    output_parts: list | None = None,
    tools: list | None = None,
) -> dict:
    inputs = [{"role": "user", "parts": [{"type": "text", "content": question}]}, *(extra_inputs or [])]
    parts = (
        output_parts
        if output_parts is not None
        else ([{"type": "text", "content": answer}] if answer else [])
    )
    return {
        "record_id": rid or f"r{random.random()}",
        "day": "2026-11-20",
        "call_id": None,
        "session_id": session,
        "turn_index": turn,
        "started_at": pd.Timestamp("2026-11-20T10:00:00Z") + pd.Timedelta(minutes=turn),
        "request_model": model,
        "system_instructions": json.dumps([{"type": "text", "content": "You are Brightdesk's assistant."}]),
        "input_messages": json.dumps(inputs),
        "output_messages": json.dumps([{"role": "assistant", "parts": parts}]) if status == "ok" else None,
        "retrieved_context": json.dumps(CTX if context is None else context),
        "tools": json.dumps(tools) if tools else None,
        "params": json.dumps(params or {}),
        "status": status,
        "error_type": "timeout" if status == "error" else None,
        "finish_reason": "stop" if status == "ok" else None,
    }


def _score(rows: list[dict], **kw) -> pd.DataFrame:
    return score_calls(pd.DataFrame(rows), _emb(), ProductionScoringConfig.load(), **kw)


def _get(scores: pd.DataFrame, rid: str, metric: str) -> tuple[float, str]:
    r = scores[(scores.record_id == rid) & (scores.metric == metric)].iloc[0]
    return r["value"], r["status"]


def test_faithfulness_many_agrees_with_faithfulness_claim_for_claim():
    rng = random.Random(3)
    sents = [
        "The Team plan costs $29 per user per month.",
        "Refunds are possible within 14 days.",
        "Your data is kept for 30 days after cancelling.",
        "SSO is available on Business.",
        "Hi there, the Starter plan is $12 per user and month.",
    ]
    answers = [" ".join(rng.sample(sents, 2)).replace("29", rng.choice(["29", "39"])) for _ in range(40)]
    contexts = [rng.sample(sents, rng.randint(0, 3)) for _ in range(40)]
    emb = _emb()
    many = faithfulness_many(answers, contexts, emb)
    for a, c, m in zip(answers, contexts, many, strict=True):
        if not c:
            assert m is None
            continue
        one = faithfulness(a, c, _emb())
        assert m.score == pytest.approx(one.score, abs=1e-6) if one.score is not None else m.score is None
        assert [x.label for x in m.claims] == [x.label for x in one.claims]


def test_no_context_is_not_checkable_not_failed_and_a_wrong_price_is_a_hallucinated_number():
    rows = [
        _row(rid="ok"),
        _row("The Team plan costs $39 per user per month.", rid="wrong_price"),
        _row(context=[], rid="no_ctx", question="Tell me a joke."),
        _row(None, status="error", rid="failed"),
    ]
    s = _score(rows)
    assert _get(s, "ok", "faithfulness") == (1.0, "ok")
    assert _get(s, "ok", "faithfulness.unsupported_number") == (0.0, "ok")
    assert _get(s, "wrong_price", "faithfulness") == (0.0, "ok")
    assert _get(s, "wrong_price", "faithfulness.unsupported_number") == (1.0, "ok")
    assert _get(s, "wrong_price", "faithfulness.unsupported_price") == (1.0, "ok")
    assert _get(s, "ok", "faithfulness.unsupported_price") == (0.0, "ok")
    v, st = _get(s, "no_ctx", "faithfulness")
    assert np.isnan(v) and st == "not_checkable"
    assert (
        s[s.record_id == "failed"].set_index("metric").loc["faithfulness", "detail"] == "call failed: timeout"
    )
    assert (s[s.record_id == "failed"]["status"] != "error").all()  # a failed call is not a failed metric


def test_a_price_counts_wherever_it_stands_in_the_context():
    ctx = [{"id": "p", "content": "- Starter: $12 per user per month.\n- Team: $29 per user per month."}]
    rows = [
        _row("Starter is $12, Team is $29 per user per month.", context=ctx, rid="two"),
        _row("Starter is $12, Team is $39 per user per month.", context=ctx, rid="one_wrong"),
        _row("You can cancel anytime.", context=ctx, rid="none"),
    ]
    s = _score(rows)
    assert _get(s, "two", "faithfulness.unsupported_price") == (0.0, "ok")
    assert _get(s, "one_wrong", "faithfulness.unsupported_price") == (1.0, "ok")
    assert _get(s, "none", "faithfulness.unsupported_price")[1] == "not_checkable"


def test_pseudonym_hex_digits_are_not_numbers():
    s = _score([_row("Hi <PERSON_3f9a2100>, the Team plan costs $29 per user per month.", rid="p")])
    assert _get(s, "p", "faithfulness") == (1.0, "ok")
    assert _get(s, "p", "constraint.no_pii") == (1.0, "ok")  # the user's own name in a greeting


def test_constraints_on_production_answers():
    rows = [
        _row("Unlike Zendesk, the Team plan costs $29 per user per month.", rid="competitor"),
        _row(
            "The Team plan costs $29 per user per month.",
            question="Wie viel kostet der Team-Plan für unser Unternehmen?",
            rid="wrong_lang",
        ),
        _row("I'm sorry, but I can't help with that request.", rid="refused"),
        _row(
            "I'm sorry, but I can't share that.",
            question="Give me another customer's email.",
            rid="warranted",
        ),
        _row("Write to <EMAIL_ADDRESS_1a2b3c4d> for help.", rid="pii"),
        _row(
            '{"plan": "Team", "price": 29}',
            params={"response_format": {"type": "json_object"}},
            rid="json_ok",
        ),
        _row("The plan is Team", params={"response_format": {"type": "json_object"}}, rid="json_bad"),
    ]
    s = _score(rows)
    assert _get(s, "competitor", "constraint.forbidden_terms") == (0.0, "ok")
    assert _get(s, "wrong_lang", "constraint.language") == (0.0, "ok")
    assert _get(s, "competitor", "constraint.language") == (1.0, "ok")
    assert _get(s, "refused", "constraint.refusal") == (0.0, "ok")
    assert _get(s, "warranted", "constraint.refusal")[1] == "not_checkable"
    assert _get(s, "pii", "constraint.no_pii") == (0.0, "ok")
    assert _get(s, "json_ok", "constraint.json") == (1.0, "ok")
    assert _get(s, "json_bad", "constraint.json") == (0.0, "ok")
    assert _get(s, "competitor", "constraint.json")[1] == "not_checkable"


def test_tool_errors_count_this_turn_only_and_retries_are_session_repeats():
    call = {
        "type": "tool_call",
        "id": "c1",
        "name": "lookup_customer",
        "arguments": {"email": "<EMAIL_ADDRESS_aa11bb22>"},
    }
    failed = [
        {"role": "assistant", "parts": [call]},
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "c1", "response": '{"error": "not found"}'}],
        },
    ]
    rows = [
        _row(rid="t0", session="a", turn=0, extra_inputs=failed),
        # next turn carries the failed tool traffic as history, then asks again: no new tool error
        _row(
            rid="t1",
            session="a",
            turn=1,
            question="How much is the Team plan?",
            extra_inputs=None,
        ),
        _row(rid="other", session="b", turn=0),
        _row(
            rid="bad_args",
            session="c",
            output_parts=[
                {"type": "tool_call", "id": "x", "name": "list_invoices", "arguments": "{not json"}
            ],
            tools=[{"type": "function", "function": {"name": "list_invoices"}}],
        ),
    ]
    hist = json.loads(rows[1]["input_messages"])
    rows[1]["input_messages"] = json.dumps([hist[0], *failed, {"role": "assistant", "parts": []}, hist[0]])
    s = _score(rows)
    assert _get(s, "t0", "tool_error") == (1.0, "ok")
    assert _get(s, "t1", "tool_error")[1] == "not_checkable"
    assert _get(s, "bad_args", "tool_error") == (1.0, "ok")
    assert _get(s, "t0", "session_retry") == (0.0, "ok")
    assert _get(s, "t1", "session_retry") == (1.0, "ok")
    assert _get(s, "other", "session_retry") == (0.0, "ok")


def test_sampling_is_deterministic_whole_sessions_with_design_weights():
    rows = [
        _row(rid=f"{m}-{i}", session=f"{m}-s{i // 3}", model=m)
        for m in ("big", "small")
        for i in range(900 if m == "big" else 30)
    ]
    calls = pd.DataFrame(rows)
    a = sample_calls(calls, max_calls=90, salt="x")
    b = sample_calls(calls, max_calls=90, salt="x")
    assert a["record_id"].tolist() == b["record_id"].tolist()
    big = a[a.request_model == "big"]
    assert len(big) == 90 and big.groupby("session_id").size().eq(3).all()  # whole sessions
    assert big["weight"].unique().tolist() == [300 / 30]  # N sessions / n sessions
    assert (a[a.request_model == "small"]["weight"] == 1.0).all()
    assert sample_calls(calls, max_calls=90, salt="y")["record_id"].tolist() != a["record_id"].tolist()


def test_daily_rates_are_design_weighted_with_session_clustered_se():
    scores = pd.DataFrame(
        {
            "day": "d",
            "production_model": "m",
            "metric": "tool_error",
            "record_id": [f"r{i}" for i in range(6)],
            "session_id": ["a", "a", "b", "b", "c", "c"],
            "value": [1.0, 1.0, 0.0, 0.0, 0.0, np.nan],
            "weight": [2.0, 2.0, 1.0, 1.0, 1.0, 1.0],
            "status": ["ok"] * 5 + ["not_checkable"],
        }
    )
    q = production_quality(scores).iloc[0]
    w, y, cl = np.array([2, 2, 1, 1, 1.0]), np.array([1, 1, 0, 0, 0.0]), np.array(list("aabbc"))
    mean = (w * y).sum() / w.sum()
    resid = pd.Series(w * (y - mean)).groupby(cl).sum().to_numpy()
    se = np.sqrt(3 / 2 * (resid**2).sum()) / w.sum()
    assert q["value"] == pytest.approx(mean) and q["se"] == pytest.approx(se)
    assert q["n"] == 5 and q["n_clusters"] == 3 and q["weighted"]
    assert q["n_eff"] == pytest.approx(min(5, mean * (1 - mean) / se**2))


class _FakeJudge:
    def __init__(self):
        self.n = 0

    def score(self, items):
        from evalpipe.metrics.judge import PointwiseVerdict

        self.n += len(items)
        return [PointwiseVerdict(it.item_id, "ok", 4.0, 0.0, passed=True) for it in items]


def test_judge_scores_only_when_enabled_and_calibrated():
    rows = [_row(rid=f"j{i}") for i in range(5)]
    cfg = ProductionScoringConfig.load()
    j = _FakeJudge()
    off = score_calls(pd.DataFrame(rows), _emb(), cfg, judge=j, judge_calibrated=False)
    assert "judge_score" not in set(off.metric) and j.n == 0
    cfg.judge_enabled, cfg.judge_max_calls_per_day = True, 3
    on = score_calls(pd.DataFrame(rows), _emb(), cfg, judge=j, judge_calibrated=True)
    js = on[on.metric == "judge_score"]
    assert j.n == 3 and (js.status == "ok").sum() == 3 and (js.status == "not_checkable").sum() == 2

"""Deterministic generator of the shipped sample production logs (`data/raw_logs/`).

Brightdesk, a fictional help-desk SaaS, runs a support assistant that answers from knowledge-base
passages.  Three of its channels log in three formats:

* web chat through an LLM gateway  -> OpenAI chat-completions request/response JSONL
* the mobile app, instrumented     -> OpenTelemetry GenAI spans (OTLP/JSON file exporter), in
  three generations: current `gen_ai.*.messages` attributes, older per-message span events, and
  content-free spans plus a log-records file (what opentelemetry-instrumentation-openai-v2 emits)
* the e-mail assistant             -> an in-house generic JSONL, read through a column mapping

About 1% of lines are corrupted in the ways real pipelines corrupt them; the list of corrupted
units and the gold PII values/spans are written next to (not into) the logs, under `data/gold/`.

What is planted for production scoring, metric validity and experiments (issue 14):

* a **production experiment** `answer-style-2026-11` on the two gpt-4o-mini channels (web chat and
  mobile) from `EXPERIMENT.start`: sessions split 50/50 by a hash of the session id between
  `prompt_v1` (control) and `prompt_v2` (treatment, a different system prompt), recorded in
  `metadata.experiment` / `metadata.variant`.  `prompt_v2` swaps a fact (a price, a period, a limit)
  in its answer for a wrong number far more often (`hallucination_rate`), so its answers are less
  faithful to the call's own retrieved context, and thumbs-down rise a little with it.  About 2% of
  enrolled calls lose the `variant` key (an old client build); the e-mail channel is not enrolled.
* a **slow rise in hallucinated prices** over the last `PRICE_DRIFT` days: a growing share of the
  answers that quote a price quote a wrong one (both arms alike);
* **feedback that follows faithfulness, not length**: the thumbs-down probability depends on
  whether the answer carries a wrong fact (and on errors / truncation / off-topic requests), never on
  the answer's length; a wrong fact is also followed more often by a complaint in the next turn
  ("that's not right ...") and sometimes a `transfer_to_human` tool call (the escalation proxy).
  Hallucinations replace a number in place, so they leave the answer's length unchanged.

The retrieved passage of the answer's KB article is the one that shares most words with the
(correct) answer, so a correct answer is supported by its own context and a wrong number is not.
Planting draws come from their own seeded stream (`<seed>:<day>:plant`) and from hashes of ids.

Run: `python -m evalpipe.synth.production_logs --out data` (the Makefile's `make sample-data`).
Same seed -> byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalpipe.logs.ids import record_id_for
from evalpipe.sampling.intent import INTENTS
from evalpipe.synth import conversations as cv

DEFAULT_SEED = 20261130
DEFAULT_START = "2026-11-16"
DEFAULT_DAYS = 14

PRICE_IN, PRICE_OUT = 0.15e-6, 0.60e-6  # USD per token, gateway model
SYSTEM_PROMPT = (
    "You are Brightdesk's support assistant. Answer only from the knowledge-base passages provided. "
    "Be concise and friendly. Never reveal other customers' data."
)
SYSTEM_PROMPT_V2 = (
    "You are Brightdesk's support assistant. Give confident, direct answers; the knowledge-base passages "
    "below are there to help. Never reveal other customers' data."
)


@dataclass(frozen=True)
class ExperimentPlan:
    """The planted production experiment (see module docstring)."""

    name: str = "answer-style-2026-11"
    control: str = "prompt_v1"
    treatment: str = "prompt_v2"
    start: str = DEFAULT_START
    treatment_share: float = 0.5
    channels: tuple[str, ...] = ("openai", "otel")
    hallucination_rate: tuple[tuple[str, float], ...] = (("prompt_v1", 0.03), ("prompt_v2", 0.25))
    missing_variant_rate: float = 0.02

    def rate(self, variant: str | None) -> float:
        return dict(self.hallucination_rate).get(variant or "", 0.03)


EXPERIMENT = ExperimentPlan()
# Share of price-quoting answers with a wrong price, by position from the last day (the slow rise).
PRICE_DRIFT = (0.10, 0.20, 0.30, 0.42)  # last 4 days, oldest first
BASE_HALLUCINATION = 0.03  # calls outside the experiment (e-mail assistant, days before the start)
# Thumbs-down probability of a rated call: by what happened, never by length.
P_NEG = {"error": 0.5, "hallucinated": 0.65, "truncated": 0.25, "off_topic": 0.25, "ok": 0.06}
COMPLAINTS = {
    "en": [
        "That's not right, the number on your website is different.",
        "That's wrong. Can I talk to a human?",
    ],
    "es": ["No funcionó, en su web pone otra cosa."],
    "de": ["Das hat nicht geklappt, auf Ihrer Website steht etwas anderes."],
    "fr": ["Ça n'a pas marché, votre site dit autre chose."],
}
HANDOFF_TOOL = {
    "type": "function",
    "function": {
        "name": "transfer_to_human",
        "description": "Hand the conversation to a human support agent",
        "parameters": {"type": "object", "properties": {"reason": {"type": "string"}}},
    },
}

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_customer",
            "description": "Find a customer record by email",
            "parameters": {
                "type": "object",
                "properties": {"email": {"type": "string"}},
                "required": ["email"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "list_invoices",
            "description": "List recent invoices",
            "parameters": {"type": "object", "properties": {"customer_id": {"type": "string"}}},
        },
    },
]


# --------------------------------------------------------------------------------------------
# Internal call model
# --------------------------------------------------------------------------------------------


@dataclass
class Msg:
    role: str
    content: cv.Text | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"id","name","arguments": {k: Text|str}}
    tool_call_id: str | None = None


@dataclass
class Call:
    day: str
    channel: str  # openai | otel | generic
    call_id: str
    session_id: str
    user_id: cv.Text
    turn_index: int
    started_at: dt.datetime
    latency_ms: float
    ttft_ms: float | None
    model: str
    response_model: str
    params: dict[str, Any]
    system: cv.Text
    messages: list[Msg]
    output: Msg | None
    finish_reason: str | None
    context: list[dict[str, Any]]  # {"id", "content": Text, "score"}
    tools: list[dict[str, Any]] | None
    input_tokens: int
    output_tokens: int
    cost_usd: float
    error_type: str | None
    error_message: cv.Text | None
    error_code: int | None
    feedback_score: int | None
    feedback_comment: cv.Text | None
    tags: list[cv.Text]
    metadata: dict[str, Any]  # values may be Text
    intent: str
    lang: str
    otel_style: str = "attributes"
    variant: str | None = None  # planted experiment arm (None: not enrolled)
    hallucinated: bool = False  # the answer carries a planted wrong number


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _plain(t: cv.Text | str | None) -> str | None:
    return t.text if isinstance(t, cv.Text) else t


def _tokens(*texts: str | None) -> int:
    return max(1, sum(len(t or "") for t in texts) // 4)


def _unit(*parts: str) -> float:
    """A uniform number in [0, 1) from a hash of the parts (assignment that needs no RNG state)."""
    h = hashlib.blake2b(":".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


_NUMBER = re.compile(r"(\$)?(\d+(?:,\d{3})*)(?![\w.]\w|\w)")


def _wrong_number(token: str, is_price: bool) -> str:
    """A plausible wrong value for a number token (same format)."""
    n = int(token.replace(",", ""))
    if is_price:
        wrong = n + 10 if n < 100 else n * 2
    elif n <= 2:
        wrong = n + 1
    else:
        wrong = n * 2
    return f"{wrong:,}" if "," in token else str(wrong)


def swap_number(text: cv.Text, rng: random.Random, prices_only: bool = False) -> cv.Text | None:
    """Replace one number (a price when `prices_only`) with a wrong one, keeping the gold spans.

    None when the text has no such number.  The replacement has (almost) the same length, so a
    hallucination does not make answers longer or shorter.
    """
    cands = [
        m
        for m in _NUMBER.finditer(text.text)
        if (m.group(1) or not prices_only) and not any(sp.start <= m.start() < sp.end for sp in text.spans)
    ]
    if not cands:
        return None
    m = cands[rng.randrange(len(cands))]
    new = _wrong_number(m.group(2), bool(m.group(1)))
    a, b = m.start(2), m.end(2)
    delta = len(new) - (b - a)
    spans = [
        sp if sp.end <= a else cv.Span(sp.entity, sp.value, sp.start + delta, sp.end + delta)
        for sp in text.spans
    ]
    return cv.Text(text.text[:a] + new + text.text[b:], spans)


def _best_passages(passages: list[tuple[str, str]], answer: str, k: int = 2) -> list[tuple[str, str]]:
    """The k passages that share most numbers, then words, with the answer (ties: KB order)."""
    nums = set(_NUMBER.findall(answer))
    words = set(re.findall(r"[^\W\d_]{3,}", answer.lower()))

    def score(p: tuple[str, str]) -> tuple[int, int]:
        return (
            len(nums & set(_NUMBER.findall(p[1]))),
            len(words & set(re.findall(r"[^\W\d_]{3,}", p[1].lower()))),
        )

    ranked = sorted(range(len(passages)), key=lambda i: (score(passages[i]), -i), reverse=True)
    return [passages[i] for i in ranked[:k]]


def load_kb_sections(kb_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """KB passages by article: [(passage_id, text)], split on blank lines."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(kb_dir.glob("*.md")):
        paras = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        paras = [p for p in paras if not p.startswith("# ")]
        out[path.stem] = [(f"kb/{path.name}#{i}", p) for i, p in enumerate(paras)]
    return out


class DayGenerator:
    """Generates the calls of one day; all randomness from one seeded `random.Random`."""

    def __init__(
        self,
        day: str,
        seed: int,
        kb: dict[str, list[tuple[str, str]]],
        n_calls: int,
        price_drift: float = 0.0,
        experiment: ExperimentPlan | None = EXPERIMENT,
    ):
        self.day = day
        self.rng = random.Random(f"{seed}:{day}")
        self.plant = random.Random(f"{seed}:{day}:plant")
        self.kb = kb
        self.n_calls = n_calls
        self.price_drift = price_drift
        self.experiment = experiment if experiment is not None and day >= experiment.start else None

    def calls(self) -> list[Call]:
        rng = self.rng
        day0 = dt.datetime.fromisoformat(self.day).replace(tzinfo=dt.UTC)
        calls: list[Call] = []
        while len(calls) < self.n_calls:
            channel = rng.choices(["openai", "otel", "generic"], weights=[55, 30, 15])[0]
            lang = rng.choices(cv.LANGUAGES, weights=cv.LANGUAGE_WEIGHTS)[0]
            intent = rng.choices(INTENTS, weights=cv.INTENT_WEIGHTS)[0]
            persona = cv.make_persona(rng, lang)
            n_turns = rng.choices([1, 2, 3, 4], weights=[55, 25, 13, 7])[0]
            start = day0 + dt.timedelta(seconds=rng.randrange(0, 86_000 - 600))
            session_id = f"sess_{_hex(rng, 12)}"
            user_id = cv.fill("{email}", persona) if rng.random() < 0.3 else cv.Text(f"usr_{_hex(rng, 10)}")
            otel_style = rng.choices(["attributes", "events", "logs"], weights=[50, 25, 25])[0]
            exp = self.experiment
            variant = None
            if exp is not None and channel in exp.channels:
                treated = _unit(exp.name, session_id) < exp.treatment_share
                variant = exp.treatment if treated else exp.control
            history: list[Msg] = []
            prev_wrong = False
            for turn in range(n_turns):
                if len(calls) >= self.n_calls:
                    break
                call = self._call(
                    channel,
                    lang,
                    intent if turn == 0 else self._next_intent(intent),
                    persona,
                    session_id,
                    user_id,
                    turn,
                    start,
                    history,
                    variant,
                    prev_wrong,
                )
                call.otel_style = otel_style
                prev_wrong = call.hallucinated
                calls.append(call)
                start += dt.timedelta(seconds=rng.randrange(20, 240))
                if call.output is not None and call.output.content is not None:
                    history = [*call.messages, call.output]
                else:
                    history = list(call.messages)
        calls.sort(key=lambda c: (c.started_at, c.call_id))
        return calls

    def _next_intent(self, intent: str) -> str:
        return intent if self.rng.random() < 0.7 else self.rng.choices(INTENTS, weights=cv.INTENT_WEIGHTS)[0]

    def _call(
        self,
        channel: str,
        lang: str,
        intent: str,
        p: cv.Persona,
        session_id: str,
        user_id: cv.Text,
        turn: int,
        start: dt.datetime,
        history: list[Msg],
        variant: str | None = None,
        prev_wrong: bool = False,
    ) -> Call:
        rng = self.rng
        plant = self.plant
        plan, price = rng.choice(cv.PLANS)
        extra = {"plan": plan, "price": price, "n": str(rng.randrange(3, 60)), "company": p.company}
        if turn == 0:
            pool = cv.USER_TEMPLATES[intent].get(lang) or cv.USER_TEMPLATES[intent]["en"]
            user_text = cv.fill(rng.choice(pool), p, extra)
        else:
            pool = cv.FOLLOW_UPS.get(lang) or cv.FOLLOW_UPS["en"]
            user_text = cv.fill(rng.choice(pool), p, extra)
        complaint = turn > 0 and prev_wrong and plant.random() < 0.6
        if complaint:  # a wrong answer is followed by a re-ask / complaint (escalation proxy)
            user_text = cv.Text(plant.choice(COMPLAINTS.get(lang) or COMPLAINTS["en"]))
        wants_human = complaint and "human" in user_text.text

        system_tmpl = SYSTEM_PROMPT_V2 if variant == EXPERIMENT.treatment else SYSTEM_PROMPT
        if rng.random() < 0.3:
            system_tmpl += " Customer: {name} <{email}>, plan: " + plan + "."
        system = cv.fill(system_tmpl, p)

        messages = [m for m in history if m.role != "system"] + [Msg("user", user_text)]
        tools = None
        if intent in ("billing", "account") and rng.random() < 0.4 and turn == 0:
            tools = TOOLS
            tc_id = f"call_{_hex(rng, 16)}"
            messages.append(
                Msg(
                    "assistant",
                    None,
                    [{"id": tc_id, "name": "lookup_customer", "arguments": {"email": cv.fill("{email}", p)}}],
                )
            )
            result = cv.fill(
                '{"customer_id": "cus_' + _hex(rng, 8) + '", "name": "{name}", "phone": "{phone}", '
                '"address": "{address}", "plan": "' + plan + '"}',
                p,
            )
            messages.append(Msg("tool", result, tool_call_id=tc_id))

        context: list[dict[str, Any]] = []
        for article in cv.KB_FOR_INTENT[intent]:
            passages = self.kb.get(article, [])
            if passages:
                pid, txt = passages[rng.randrange(len(passages))]
                context.append(
                    {"id": pid, "content": cv.Text(txt), "score": round(rng.uniform(0.55, 0.95), 3)}
                )

        # Assistant answer, sometimes personalised (PII in the output too).
        answer_tmpl = rng.choice(cv.ANSWERS[intent])
        if rng.random() < 0.35:
            greet = {"es": "Hola {first}, ", "de": "Hallo {first}, ", "fr": "Bonjour {first}, "}.get(
                lang, "Hi {first}, "
            )
            answer_tmpl = greet + answer_tmpl[0].lower() + answer_tmpl[1:]
        answer = cv.fill(answer_tmpl, p, extra)
        articles = cv.KB_FOR_INTENT[intent]
        if context and self.kb.get(articles[0]):  # retrieval finds the answer's passages (top 2)
            best = _best_passages(self.kb[articles[0]], answer.text)
            score = context[0]["score"]
            context[:1] = [
                {"id": pid, "content": cv.Text(txt), "score": round(score - 0.05 * j, 3)}
                for j, (pid, txt) in enumerate(best)
            ]
        hallucinated = False
        u_wrong, u_price = plant.random(), plant.random()
        rate = self.experiment.rate(variant) if self.experiment and variant else BASE_HALLUCINATION
        if u_wrong < rate:
            wrong = swap_number(answer, plant)
            if wrong is not None:
                answer, hallucinated = wrong, True
        if not hallucinated and u_price < self.price_drift:
            wrong = swap_number(answer, plant, prices_only=True)
            if wrong is not None:
                answer, hallucinated = wrong, True
        output: Msg | None = Msg("assistant", answer)
        finish: str | None = "stop"
        error_type = error_message = error_code = None
        roll = rng.random()
        if roll < 0.012:
            error_type, error_code = "timeout", 504
            error_message = cv.Text("Request timed out after 30.0 seconds")
            output, finish = None, None
        elif roll < 0.024:
            error_type, error_code = "rate_limit_exceeded", 429
            error_message = cv.Text(
                "Rate limit reached for gpt-4o-mini in organization org-brightdesk on tokens "
                "per min (TPM): Limit 200000, Used 199870, Requested 1240."
            )
            output, finish = None, None
        elif roll < 0.030:
            error_type, error_code = "invalid_api_key", 401
            error_message = cv.fill("Upstream auth failed: Incorrect API key provided: {api_key}", p)
            output, finish = None, None
        elif roll < 0.040:
            finish = "content_filter"
            output = Msg("assistant", None)
        elif roll < 0.060:
            finish = "length"
            cut = max(10, len(answer.text) * 2 // 3)
            output = Msg("assistant", cv.Text(answer.text[:cut], [s for s in answer.spans if s.end <= cut]))
        elif tools and roll < 0.12:
            finish = "tool_calls"
            output = Msg(
                "assistant",
                None,
                [
                    {
                        "id": f"call_{_hex(rng, 16)}",
                        "name": "list_invoices",
                        "arguments": {"customer_id": f"cus_{_hex(rng, 8)}"},
                    }
                ],
            )
        if wants_human and error_type is None and finish in ("stop", "length"):
            tools = [*(tools or []), HANDOFF_TOOL]
            finish = "tool_calls"
            output = Msg(
                "assistant",
                None,
                [
                    {
                        "id": f"call_{_hex(plant, 16)}",
                        "name": "transfer_to_human",
                        "arguments": {"reason": "customer disputes the answer"},
                    }
                ],
            )
        hallucinated = hallucinated and output is not None and output.content is not None
        status_error = error_type is not None

        fb_score = fb_comment = None
        if status_error or finish == "content_filter":
            p_neg = P_NEG["error"]
        elif hallucinated:
            p_neg = P_NEG["hallucinated"]
        elif finish == "length":
            p_neg = P_NEG["truncated"]
        elif intent == "off_topic":
            p_neg = P_NEG["off_topic"]
        else:
            p_neg = P_NEG["ok"]
        if rng.random() < 0.25:
            fb_score = -1 if rng.random() < p_neg else 1
            if rng.random() < 0.4:
                pool = cv.FEEDBACK_COMMENTS_NEG if fb_score < 0 else cv.FEEDBACK_COMMENTS_POS
                fb_comment = cv.fill(rng.choice(pool), p)

        tags = [cv.Text(channel_tag) for channel_tag in [f"intent_hint:{intent}", f"plan:{plan.lower()}"]]
        if rng.random() < 0.05:
            tags.append(cv.fill("customer:{email}", p))
        metadata: dict[str, Any] = {
            "client_ip": cv.fill("{ip}", p),
            "app_version": rng.choice(["web-4.12.0", "web-4.13.1", "ios-2.8.0", "android-2.7.3"]),
            "region": rng.choice(["us-east-1", "eu-west-1"]),
            "tenant_id": f"ten_{_hex(rng, 6)}",
        }
        if variant is not None:
            metadata["experiment"] = EXPERIMENT.name
            if _unit("variant-logged", session_id, str(turn)) >= EXPERIMENT.missing_variant_rate:
                metadata["variant"] = variant
        in_tok = _tokens(
            system.text, *(_plain(m.content) for m in messages), *(c["content"].text for c in context)
        ) + (120 if tools else 0)
        out_tok = 0 if output is None else _tokens(_plain(output.content)) + (12 if output.tool_calls else 0)
        latency = round(rng.lognormvariate(6.9, 0.45) + 8 * out_tok, 1)
        if error_type == "timeout":
            latency = 30000.0
        ttft = None if output is None else round(min(latency, rng.lognormvariate(5.9, 0.4)), 1)
        model = "gpt-4o-mini" if channel != "generic" else "bd-support-v3"
        return Call(
            day=self.day,
            channel=channel,
            call_id=(f"span_{_hex(rng, 16)}" if channel == "otel" else f"req_{_hex(rng, 20)}"),
            session_id=session_id,
            user_id=user_id,
            turn_index=turn,
            started_at=start,
            latency_ms=latency,
            ttft_ms=ttft,
            model=model,
            response_model="gpt-4o-mini-2024-07-18" if channel != "generic" else model,
            params={"temperature": rng.choice([0.2, 0.3, 0.7]), "max_tokens": rng.choice([256, 512])},
            system=system,
            messages=messages,
            output=output,
            finish_reason=finish,
            context=context,
            tools=tools,
            input_tokens=in_tok,
            output_tokens=out_tok,
            cost_usd=round(in_tok * PRICE_IN + out_tok * PRICE_OUT, 8)
            if channel != "generic"
            else round((in_tok + out_tok) * 0.2e-6, 8),
            error_type=error_type,
            error_message=error_message,
            error_code=error_code,
            feedback_score=fb_score,
            feedback_comment=fb_comment,
            tags=tags,
            metadata=metadata,
            intent=intent,
            lang=lang,
            variant=variant,
            hallucinated=hallucinated,
        )


# --------------------------------------------------------------------------------------------
# Gold PII collection (locations are logical and the same across formats)
# --------------------------------------------------------------------------------------------


def gold_spans(call: Call) -> Iterator[tuple[str, cv.Span]]:
    def from_text(loc: str, t: cv.Text | None) -> Iterator[tuple[str, cv.Span]]:
        if isinstance(t, cv.Text):
            for s in t.spans:
                yield loc, s

    yield from from_text("system", call.system)
    yield from from_text("user_id", call.user_id)
    for i, m in enumerate(call.messages):
        yield from from_text(f"input[{i}]", m.content)
        for j, tc in enumerate(m.tool_calls):
            for k, v in tc["arguments"].items():
                yield from from_text(f"input[{i}].tool_call[{j}].arguments.{k}", v)
    if call.output is not None:
        yield from from_text("output", call.output.content)
    yield from from_text("error", call.error_message)
    yield from from_text("feedback", call.feedback_comment)
    for i, t in enumerate(call.tags):
        yield from from_text(f"tags[{i}]", t)
    for k, v in call.metadata.items():
        yield from from_text(f"metadata.{k}", v)


# --------------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------------


def _args_json(args: dict[str, Any]) -> str:
    return json.dumps({k: _plain(v) for k, v in args.items()}, ensure_ascii=False)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def render_openai(call: Call) -> dict[str, Any]:
    msgs: list[dict[str, Any]] = [{"role": "system", "content": call.system.text}]
    for m in call.messages:
        d: dict[str, Any] = {"role": m.role, "content": _plain(m.content)}
        if m.tool_calls:
            d["tool_calls"] = [
                {
                    "id": tc["id"],
                    "type": "function",
                    "function": {"name": tc["name"], "arguments": _args_json(tc["arguments"])},
                }
                for tc in m.tool_calls
            ]
        if m.tool_call_id:
            d["tool_call_id"] = m.tool_call_id
        msgs.append(d)
    request: dict[str, Any] = {"model": call.model, "messages": msgs, **call.params}
    if call.tools:
        request["tools"] = call.tools
    response = None
    if call.error_type is None:
        out = call.output or Msg("assistant", None)
        message: dict[str, Any] = {"role": "assistant", "content": _plain(out.content), "refusal": None}
        if out.tool_calls:
            message["tool_calls"] = [
                {
                    "id": tc["id"],
                    "type": "function",
                    "function": {"name": tc["name"], "arguments": _args_json(tc["arguments"])},
                }
                for tc in out.tool_calls
            ]
        response = {
            "id": "chatcmpl-" + hashlib.blake2b(call.call_id.encode(), digest_size=12).hexdigest(),
            "object": "chat.completion",
            "created": int(call.started_at.timestamp()),
            "model": call.response_model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": call.finish_reason}
            ],
            "usage": {
                "prompt_tokens": call.input_tokens,
                "completion_tokens": call.output_tokens,
                "total_tokens": call.input_tokens + call.output_tokens,
            },
            "system_fingerprint": "fp_bd0c1a",
        }
    line: dict[str, Any] = {
        "request_id": call.call_id,
        "timestamp": _iso(call.started_at),
        "latency_ms": call.latency_ms,
        "ttft_ms": call.ttft_ms,
        "session_id": call.session_id,
        "user_id": call.user_id.text,
        "turn_index": call.turn_index,
        "request": request,
        "response": response,
        "error": None
        if call.error_type is None
        else {"type": call.error_type, "code": call.error_code, "message": _plain(call.error_message)},
        "retrieved_context": [
            {"id": c["id"], "content": c["content"].text, "score": c["score"]} for c in call.context
        ],
        "cost_usd": call.cost_usd,
        "feedback": None
        if call.feedback_score is None
        else {
            "thumbs": "up" if call.feedback_score > 0 else "down",
            "comment": _plain(call.feedback_comment),
        },
        "tags": [t.text for t in call.tags],
        "metadata": {k: _plain(v) for k, v in call.metadata.items()},
    }
    return line


def _attr(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "value": _anyvalue(value)}


def _anyvalue(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}  # OTLP/JSON writes 64-bit ints as strings
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_anyvalue(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [_attr(k, v) for k, v in value.items()]}}
    return {"stringValue": str(value)}


def _otel_parts(m: Msg) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if m.role == "tool":
        parts.append({"type": "tool_call_response", "id": m.tool_call_id, "response": _plain(m.content)})
        return parts
    if m.content is not None:
        parts.append({"type": "text", "content": m.content.text})
    for tc in m.tool_calls:
        parts.append(
            {
                "type": "tool_call",
                "id": tc["id"],
                "name": tc["name"],
                "arguments": {k: _plain(v) for k, v in tc["arguments"].items()},
            }
        )
    return parts


def _nanos(t: dt.datetime) -> str:
    return str(int(t.timestamp()) * 1_000_000_000 + t.microsecond * 1000)


def render_otel(call: Call, rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One trace export line (chat span + non-model spans) and, for the `logs` style, log records."""
    trace_id = _hex(rng, 32)
    root_id = _hex(rng, 16)
    span_id = call.call_id.removeprefix("span_")
    end = call.started_at + dt.timedelta(milliseconds=call.latency_ms)
    attrs = [
        _attr("gen_ai.operation.name", "chat"),
        _attr("gen_ai.provider.name", "openai"),
        _attr("gen_ai.request.model", call.model),
        _attr("gen_ai.request.temperature", float(call.params["temperature"])),
        _attr("gen_ai.request.max_tokens", int(call.params["max_tokens"])),
        _attr("gen_ai.conversation.id", call.session_id),
        _attr("enduser.id", call.user_id.text),
        _attr("app.turn_index", call.turn_index),
        _attr("server.address", "api.openai.com"),
    ]
    if call.error_type is None:
        attrs += [
            _attr("gen_ai.response.model", call.response_model),
            _attr("gen_ai.response.id", "chatcmpl-" + span_id),
            _attr("gen_ai.response.finish_reasons", [call.finish_reason]),
            _attr("gen_ai.usage.input_tokens", call.input_tokens),
            _attr("gen_ai.usage.output_tokens", call.output_tokens),
        ]
    else:
        attrs.append(_attr("error.type", call.error_type))
    if call.ttft_ms is not None:
        attrs.append(_attr("app.time_to_first_token_ms", call.ttft_ms))
    attrs.append(_attr("app.cost_usd", call.cost_usd))
    attrs.append(
        _attr(
            "app.retrieved_context",
            json.dumps(
                [{"id": c["id"], "content": c["content"].text, "score": c["score"]} for c in call.context],
                ensure_ascii=False,
            ),
        )
    )
    if call.feedback_score is not None:
        attrs.append(_attr("app.feedback.score", call.feedback_score))
        if call.feedback_comment is not None:
            attrs.append(_attr("app.feedback.comment", call.feedback_comment.text))
    attrs.append(_attr("app.tags", [t.text for t in call.tags]))
    for k, v in call.metadata.items():
        attrs.append(_attr(f"app.{k}", _plain(v)))

    events: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    t_ns = _nanos(call.started_at)
    out_msg = call.output
    if call.otel_style == "attributes":
        attrs.append(
            _attr(
                "gen_ai.system_instructions",
                json.dumps([{"type": "text", "content": call.system.text}], ensure_ascii=False),
            )
        )
        attrs.append(
            _attr(
                "gen_ai.input.messages",
                json.dumps(
                    [{"role": m.role, "parts": _otel_parts(m)} for m in call.messages], ensure_ascii=False
                ),
            )
        )
        if out_msg is not None:
            attrs.append(
                _attr(
                    "gen_ai.output.messages",
                    json.dumps(
                        [
                            {
                                "role": "assistant",
                                "parts": _otel_parts(out_msg),
                                "finish_reason": call.finish_reason,
                            }
                        ],
                        ensure_ascii=False,
                    ),
                )
            )
    else:
        records: list[tuple[str, dict[str, Any]]] = [("gen_ai.system.message", {"content": call.system.text})]
        for m in call.messages:
            body: dict[str, Any] = {}
            if m.content is not None:
                body["content"] = m.content.text
            if m.tool_calls:
                body["tool_calls"] = [
                    {
                        "id": tc["id"],
                        "type": "function",
                        "function": {"name": tc["name"], "arguments": _args_json(tc["arguments"])},
                    }
                    for tc in m.tool_calls
                ]
            if m.tool_call_id:
                body["id"] = m.tool_call_id
            records.append((f"gen_ai.{m.role}.message", body))
        if out_msg is not None:
            msg_body: dict[str, Any] = {}
            if out_msg.content is not None:
                msg_body["content"] = out_msg.content.text
            if out_msg.tool_calls:
                msg_body["tool_calls"] = [
                    {
                        "id": tc["id"],
                        "type": "function",
                        "function": {"name": tc["name"], "arguments": _args_json(tc["arguments"])},
                    }
                    for tc in out_msg.tool_calls
                ]
            records.append(
                ("gen_ai.choice", {"index": 0, "finish_reason": call.finish_reason, "message": msg_body})
            )
        if call.otel_style == "events":
            # Older semantic conventions: one span event per message, body fields as JSON-ish attributes.
            for name, body in records:
                ev_attrs = [_attr("gen_ai.system", "openai")]
                for k, v in body.items():
                    ev_attrs.append(
                        _attr(k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                    )
                events.append({"timeUnixNano": t_ns, "name": name, "attributes": ev_attrs})
        else:
            for name, body in records:
                logs.append(
                    {
                        "timeUnixNano": t_ns,
                        "observedTimeUnixNano": t_ns,
                        "severityNumber": 9,
                        "eventName": name,
                        "body": _anyvalue(body),
                        "attributes": [_attr("gen_ai.system", "openai"), _attr("event.name", name)],
                        "traceId": trace_id,
                        "spanId": span_id,
                        "flags": 1,
                    }
                )

    status: dict[str, Any] = {}
    if call.error_type is not None:
        status = {"code": 2, "message": _plain(call.error_message)}
        events.append(
            {
                "timeUnixNano": _nanos(end),
                "name": "exception",
                "attributes": [
                    _attr("exception.type", f"openai.{call.error_type}"),
                    _attr("exception.message", _plain(call.error_message)),
                ],
            }
        )
    chat_span = {
        "traceId": trace_id,
        "spanId": span_id,
        "parentSpanId": root_id,
        "flags": 257,
        "name": f"chat {call.model}",
        "kind": 3,
        "startTimeUnixNano": t_ns,
        "endTimeUnixNano": _nanos(end),
        "attributes": attrs,
        "status": status,
    }
    if events:
        chat_span["events"] = events
    retrieval = {
        "traceId": trace_id,
        "spanId": _hex(rng, 16),
        "parentSpanId": root_id,
        "flags": 257,
        "name": "kb.retrieve",
        "kind": 1,
        "startTimeUnixNano": t_ns,
        "endTimeUnixNano": t_ns,
        "attributes": [_attr("kb.top_k", len(call.context))],
        "status": {},
    }
    root = {
        "traceId": trace_id,
        "spanId": root_id,
        "flags": 257,
        "name": "POST /assistant/reply",
        "kind": 2,
        "startTimeUnixNano": t_ns,
        "endTimeUnixNano": _nanos(end),
        "attributes": [_attr("http.request.method", "POST"), _attr("http.route", "/assistant/reply")],
        "status": {},
    }
    resource = {
        "attributes": [
            _attr("service.name", "brightdesk-mobile-assistant"),
            _attr("service.version", "2.8.0"),
            _attr("telemetry.sdk.language", "python"),
        ]
    }
    line = {
        "resourceSpans": [
            {
                "resource": resource,
                "scopeSpans": [
                    {"scope": {"name": "brightdesk.app"}, "spans": [root, retrieval]},
                    {
                        "scope": {"name": "opentelemetry.instrumentation.openai_v2", "version": "2.1b0"},
                        "spans": [chat_span],
                    },
                ],
            }
        ]
    }
    log_lines = []
    if logs:
        log_lines.append(
            {
                "resourceLogs": [
                    {
                        "resource": resource,
                        "scopeLogs": [
                            {
                                "scope": {
                                    "name": "opentelemetry.instrumentation.openai_v2",
                                    "version": "2.1b0",
                                },
                                "logRecords": logs,
                            }
                        ],
                    }
                ]
            }
        )
    return line, log_lines


def render_generic(call: Call) -> dict[str, Any]:
    history = [
        {"from": "customer" if m.role == "user" else "agent", "text": _plain(m.content)}
        for m in call.messages[:-1]
        if m.role in ("user", "assistant") and m.content is not None
    ]
    last_user = next((m for m in reversed(call.messages) if m.role == "user"), None)
    return {
        "id": call.call_id,
        "ts": _iso(call.started_at),
        "conversation": call.session_id,
        "customer": call.user_id.text,
        "turn": call.turn_index,
        "channel": "email",
        "system_prompt": call.system.text,
        "history": history,
        "question": _plain(last_user.content) if last_user else None,
        "answer": None if call.output is None else _plain(call.output.content),
        "stop_reason": call.finish_reason,
        "engine": call.model,
        "latency_s": round(call.latency_ms / 1000, 4),
        "tokens": {"in": call.input_tokens, "out": call.output_tokens},
        "cost": call.cost_usd,
        "failure": None if call.error_type is None else f"{call.error_type}: {_plain(call.error_message)}",
        "kb": [{"doc": c["id"], "text": c["content"].text} for c in call.context],
        "rating": None if call.feedback_score is None else (5 if call.feedback_score > 0 else 1),
        "rating_comment": _plain(call.feedback_comment),
        "labels": [t.text for t in call.tags],
        "ip": _plain(call.metadata["client_ip"]),
        "app_version": call.metadata["app_version"],
        "region": call.metadata["region"],
    }


# --------------------------------------------------------------------------------------------
# Corruption (~1% of units)
# --------------------------------------------------------------------------------------------


def corrupt(line: dict[str, Any], fmt: str, rng: random.Random) -> tuple[bytes, str, str]:
    """Return (bytes, kind, expected quarantine reason) for a realistically broken line."""
    text = json.dumps(line, ensure_ascii=False)
    kind = rng.choice(["truncated_json", "wrong_type", "missing_field", "bad_encoding"])
    if kind == "truncated_json":
        cut = rng.randrange(len(text) // 4, len(text) - 2)
        return text[:cut].encode("utf-8", errors="ignore"), kind, "invalid_json"
    if kind == "bad_encoding":
        # A proxy re-encoded the line as Latin-1 / cp1252: invalid UTF-8 bytes.
        data = text.encode("cp1252", errors="replace")
        if data.isascii():  # nothing Latin-1-specific in the line: the proxy added an accented note
            data = data[:-1] + ', "note": "caf\u00e9"}'.encode("cp1252")
        return data, kind, "bad_encoding"
    bad = json.loads(text)
    if fmt == "openai":
        if kind == "wrong_type":
            if rng.random() < 0.5:
                bad["request"]["messages"] = json.dumps(bad["request"]["messages"], ensure_ascii=False)
            else:
                bad["latency_ms"] = "fast"
        else:
            del bad["request"]
    elif fmt == "generic":
        if kind == "wrong_type":
            bad["tokens"] = "n/a" if rng.random() < 0.5 else bad["tokens"]
            if bad["tokens"] != "n/a":
                bad["ts"] = 1234
        else:
            del bad["question"]
    else:  # otel: damage the chat span only (the other spans of the line stay valid)
        spans = bad["resourceSpans"][0]["scopeSpans"][1]["spans"]
        if kind == "wrong_type":
            spans[0]["startTimeUnixNano"] = "yesterday"
        else:
            del spans[0]["spanId"]
    return (
        json.dumps(bad, ensure_ascii=False).encode("utf-8"),
        kind,
        ("schema_violation" if kind == "wrong_type" else "missing_field"),
    )


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


@dataclass
class GenerateSummary:
    days: list[str]
    files: dict[str, int]
    calls: int
    malformed: int
    gold_spans: int


def generate(
    out_root: Path,
    *,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    calls_per_day: tuple[int, int] = (260, 340),
    malformed_rate: float = 0.0125,
    kb_dir: Path | None = None,
) -> GenerateSummary:
    """Write `raw_logs/<day>/*.jsonl`, `gold/pii_gold.jsonl` and `gold/malformed.jsonl` under out_root."""
    kb = load_kb_sections(kb_dir or out_root / "kb")
    raw_root, gold_root = out_root / "raw_logs", out_root / "gold"
    gold_root.mkdir(parents=True, exist_ok=True)
    master = random.Random(seed)
    day_list = [(dt.date.fromisoformat(start) + dt.timedelta(days=i)).isoformat() for i in range(days)]
    files: dict[str, int] = {}
    n_calls = n_bad = n_gold = 0
    gold_lines: list[str] = []
    bad_lines: list[str] = []
    drift = dict(zip(day_list[-len(PRICE_DRIFT) :], PRICE_DRIFT, strict=False)) if days >= 7 else {}
    for day in day_list:
        n = master.randrange(*calls_per_day)
        gen = DayGenerator(day, seed, kb, n, price_drift=drift.get(day, 0.0))
        rng = random.Random(f"{seed}:{day}:render")
        day_dir = raw_root / day
        day_dir.mkdir(parents=True, exist_ok=True)
        outputs: dict[str, list[bytes]] = {
            "openai.jsonl": [],
            "otel_traces.jsonl": [],
            "otel_logs.jsonl": [],
            "generic.jsonl": [],
        }
        for call in gen.calls():
            n_calls += 1
            if call.channel == "openai":
                fname, obj, fmt = "openai.jsonl", render_openai(call), "openai"
            elif call.channel == "generic":
                fname, obj, fmt = "generic.jsonl", render_generic(call), "generic"
            else:
                obj, log_objs = render_otel(call, rng)
                fname, fmt = "otel_traces.jsonl", "otel"
                for lo in log_objs:
                    outputs["otel_logs.jsonl"].append(json.dumps(lo, ensure_ascii=False).encode("utf-8"))
            line_no = len(outputs[fname]) + 1
            # Calls whose content lives in the separate OTel logs file are not corrupted: a lost span
            # would orphan its log records too, and the gold list counts one unit per corruption.
            malformed = rng.random() < malformed_rate and not (fmt == "otel" and call.otel_style == "logs")
            if malformed:
                data, kind, reason = corrupt(obj, fmt, rng)
                # Whole-line damage loses every span of an OTel line; span-level damage only the chat span.
                index = 2 if (fmt == "otel" and reason in ("schema_violation", "missing_field")) else None
                bad_lines.append(
                    json.dumps(
                        {
                            "day": day,
                            "file": f"{day}/{fname}",
                            "line": line_no,
                            "index": index,
                            "format": fmt,
                            "kind": kind,
                            "reason": reason,
                            "call_id": call.call_id,
                        }
                    )
                )
                n_bad += 1
            else:
                data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
            outputs[fname].append(data)
            rid = record_id_for(fmt, call.call_id.removeprefix("span_") if fmt == "otel" else call.call_id)
            for loc, s in gold_spans(call):
                gold_lines.append(
                    json.dumps(
                        {
                            "day": day,
                            "file": f"{day}/{fname}",
                            "line": line_no,
                            "record_id": rid,
                            "malformed": malformed,
                            "location": loc,
                            "entity": s.entity,
                            "value": s.value,
                            "start": s.start,
                            "end": s.end,
                        },
                        ensure_ascii=False,
                    )
                )
                n_gold += 1
        for fname, lines in outputs.items():
            path = day_dir / fname
            path.write_bytes(b"".join(line + b"\n" for line in lines))
            files[f"{day}/{fname}"] = len(lines)
    (gold_root / "pii_gold.jsonl").write_text("\n".join(gold_lines) + "\n", encoding="utf-8")
    (gold_root / "malformed.jsonl").write_text("\n".join(bad_lines) + "\n", encoding="utf-8")
    return GenerateSummary(days=day_list, files=files, calls=n_calls, malformed=n_bad, gold_spans=n_gold)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("data"), help="data root (writes raw_logs/ and gold/)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--start", default=DEFAULT_START)
    ap.add_argument("--days", type=int, default=DEFAULT_DAYS)
    ap.add_argument("--kb", type=Path, default=None)
    args = ap.parse_args(argv)
    s = generate(args.out, seed=args.seed, start=args.start, days=args.days, kb_dir=args.kb)
    print(
        f"{len(s.days)} days, {s.calls} calls, {s.malformed} malformed units, {s.gold_spans} gold PII spans"
    )


if __name__ == "__main__":
    main()

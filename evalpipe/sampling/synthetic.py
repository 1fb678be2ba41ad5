"""Synthetic *scrubbed* canonical rows and feature tables, for tests and benchmarks.

Texts come from Brightdesk templates with typed pseudonyms (never real-looking PII), with
deliberate exact and near duplicates so dedup has something to do.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from evalpipe.logs.schema import LLM_CALL_COLUMNS

TEMPLATES: dict[str, list[str]] = {
    "pricing": [
        "How much does the {plan} plan cost for {n} agents?",
        "Is there a discount if we pay yearly for {n} seats?",
        "What's the price of {plan} per user?",
        "Wie viel kostet der {plan}-Plan für {n} Agenten?",
    ],
    "billing": [
        "I was charged twice for invoice {inv}, can I get a refund?",
        "Where do I download invoice {inv}?",
        "Why did my bill go up by {n} dollars this month?",
    ],
    "features": [
        "Do you integrate with {tool}?",
        "What is the API rate limit on {plan}?",
        "Can I set up SLA policies on {plan}?",
    ],
    "cancellation": [
        "How do I cancel my subscription, I'm {person}?",
        "What happens to our data if we cancel after {n} days?",
    ],
    "troubleshooting": [
        "The chat widget is not loading on {person}'s site",
        "Webhooks fail with error {n} since yesterday",
        "SSO keeps sending me back to the login page",
    ],
    "account": [
        "How do I reset my password? My email is {email}",
        "Transfer workspace ownership to {person}",
    ],
    "off_topic": ["Tell me a joke about {tool}", "What's the weather like today?"],
    "competitor": ["Is Brightdesk cheaper than Zendesk for {n} agents?", "How do you compare to Intercom?"],
}
PLANS = ["Starter", "Team", "Business", "Enterprise"]
TOOLS = ["Slack", "Jira", "Salesforce", "Shopify", "Zapier"]


def _pseudo(kind: str, rng: np.random.Generator) -> str:
    return f"<{kind}_{rng.integers(0, 16**4):04x}>"


def synthetic_scrubbed_logs(
    n: int = 200, seed: int = 0, day: str = "2026-11-01", scrubber_version: str = "scrub/test"
) -> pd.DataFrame:
    """`n` scrubbed canonical `llm_call` rows (plus `scrubber_version`)."""
    rng = np.random.default_rng(seed)
    intents = list(TEMPLATES)
    rows = []
    for i in range(n):
        intent = intents[int(rng.integers(len(intents)))]
        tpl = TEMPLATES[intent][int(rng.integers(len(TEMPLATES[intent])))]
        text = tpl.format(
            plan=PLANS[int(rng.integers(4))],
            n=int(rng.integers(1, 6)) * 5,
            inv=f"INV-{int(rng.integers(100, 110))}",
            tool=TOOLS[int(rng.integers(5))],
            person=_pseudo("PERSON", rng),
            email=_pseudo("EMAIL_ADDRESS", rng),
        )
        if rng.random() < 0.1:
            text = text.rstrip("?") + " ??"  # near duplicate
        err: str | None
        finish: str | None
        status, err, finish = "ok", None, "stop"
        u = rng.random()
        if u < 0.05:
            status, err, finish = "error", "timeout", None
        elif u < 0.08:
            status, err, finish = "error", "rate_limit_exceeded", None
        elif u < 0.10:
            finish = "length"
        fb = [None, None, None, 1, -1][int(rng.integers(5))]
        msgs = [{"role": "system", "parts": [{"type": "text", "content": "You are Brightdesk's assistant."}]}]
        if rng.random() < 0.2:
            msgs += [
                {"role": "user", "parts": [{"type": "text", "content": "Hi"}]},
                {"role": "assistant", "parts": [{"type": "text", "content": "Hello! How can I help?"}]},
            ]
        msgs.append({"role": "user", "parts": [{"type": "text", "content": text}]})
        out = (
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": f"Answer about {intent}."}],
                    "finish_reason": finish,
                }
            ]
            if status == "ok"
            else []
        )
        ctx = [{"id": "kb/pricing.md#plans", "content": "Team: $29 per user per month.", "score": 0.8}]
        row: dict[str, Any] = {c: None for c in LLM_CALL_COLUMNS}
        row.update(
            {
                "record_id": f"r{seed:03d}-{i:06d}",
                "day": day,
                "source_format": "generic",
                "source_file": f"{day}/synthetic.jsonl",
                "source_line": i + 1,
                "source_index": 0,
                "input_messages": json.dumps(msgs),
                "output_messages": json.dumps(out),
                "retrieved_context": json.dumps(ctx) if intent == "pricing" else None,
                "status": status,
                "error_type": err,
                "finish_reason": finish,
                "feedback_score": fb,
                "scrubber_version": scrubber_version,
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


_BENCH_TEMPLATES = [t for ts in TEMPLATES.values() for t in ts]
_TAILS = [
    "",
    "",
    "",
    " thanks",
    " please help",
    " asap",
    " thank you so much for your help",
    " (urgent)",
    " we are on a deadline and the team is blocked until this is sorted out",
    " also the reports page is slow",
]


def synthetic_features(n: int, seed: int = 0, dup_rate: float = 0.3) -> pd.DataFrame:
    """A features table of `n` rows built with numpy (fast enough for 1M rows), for benchmarks.

    About `dup_rate` of the rows repeat an earlier text exactly; texts vary by slot values, so
    many are near duplicates of each other.
    """
    from evalpipe.sampling.text import blake2b_hex

    rng = np.random.default_rng(seed)
    n_unique = max(1, int(n * (1 - dup_rate)))
    src = np.where(rng.random(n) < dup_rate, rng.integers(0, n_unique, n), np.arange(n))  # exact repeats
    tpl_idx = rng.integers(0, len(_BENCH_TEMPLATES), n)[src]
    ints = rng.integers(1, 100_000, n)[src]
    plan = rng.integers(0, len(PLANS), n)[src]
    tool = rng.integers(0, len(TOOLS), n)[src]
    tail = rng.integers(0, len(_TAILS), n)[src]
    ref = np.where(rng.random(n) < 0.5, rng.integers(1, 10_000_000, n), 0)[src]  # ticket refs: mostly unique
    texts = [
        (
            _BENCH_TEMPLATES[t].format(
                n=k, plan=PLANS[p], tool=TOOLS[o], inv=f"inv-{k}", person="<person>", email="<email_address>"
            )
            + _TAILS[w]
            + (f" ref {r}" if r else "")
        ).lower()
        for t, k, p, o, w, r in zip(
            tpl_idx.tolist(),
            ints.tolist(),
            plan.tolist(),
            tool.tolist(),
            tail.tolist(),
            ref.tolist(),
            strict=True,
        )
    ]
    tpl_intent = np.array([next(i for i, ts in TEMPLATES.items() if t in ts) for t in _BENCH_TEMPLATES])
    feedback = np.array(["none", "positive", "negative"])[rng.choice(3, n, p=[0.7, 0.2, 0.1])]
    errcls = np.array(["none", "timeout", "rate_limit", "truncation", "other"])[
        rng.choice(5, n, p=[0.9, 0.04, 0.03, 0.02, 0.01])
    ]
    lang = np.array(["en", "eu", "other"])[rng.choice(3, n, p=[0.8, 0.15, 0.05])]
    df = pd.DataFrame(
        {
            "record_id": [f"rec-{i:08d}" for i in range(n)],
            "day": "2026-11-01",
            "intent": tpl_intent[tpl_idx],
            "language_group": lang,
            "feedback": feedback,
            "error_class": errcls,
            "input_chars": np.fromiter((len(t) for t in texts), dtype=np.int64, count=n),
            "norm_text": texts,
        }
    )
    uniq = {t: blake2b_hex(t) for t in set(texts)}
    df["content_hash"] = [uniq[t] for t in texts]
    return df

"""The shipped logs through the scrubber: no gold value left, no common word or product turned into a token.

Domain level (ingest + scrub, no Dagster).  One day by default; `EVALPIPE_PII_LAKE_DAYS=all` runs
all fourteen (a few minutes).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from upath import UPath

from evalpipe.logs.ingest import SourceConfig, ingest_day
from evalpipe.pii import scrub_table
from evalpipe.pii.config import load_scrubber_config
from evalpipe.pii.lexicon import _lexicon_names, is_common_word, is_first_name, is_product_term

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
ALL_DAYS = sorted(p.name for p in (DATA / "raw_logs").iterdir() if p.is_dir())
DAYS = ALL_DAYS if os.environ.get("EVALPIPE_PII_LAKE_DAYS") == "all" else ALL_DAYS[:1]
NEVER = {"Does", "Bearer", "Android", "Chrome", "From", "Invalid", "Passport", "Acme Cloud", "Jira Cloud",
         "Dark Mode", "Charles Schwab"}  # fmt: skip
# Types found by shape + checksum / format: any value is fine.  The rest must not be ordinary words.
STRUCTURED = {"EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "NATIONAL_ID", "PHONE_NUMBER", "IP_ADDRESS",
              "MAC_ADDRESS", "SECRET", "USER_ID", "DATE_OF_BIRTH"}  # fmt: skip


def _is_word_or_product(value: str, allow: frozenset[str]) -> bool:
    v = value.strip(" .,;:!?\"'()")
    if v.casefold() in allow or is_product_term(v, allow):
        return True
    words = v.split()
    # a word of the word lists that no name list knows ("Luca" is frequent in Italian text, and a name)
    return bool(words) and all(
        is_common_word(w) and not is_first_name(w) and w.casefold() not in _lexicon_names() for w in words
    )


@pytest.fixture(scope="module")
def scrubbed_days():
    cfg = SourceConfig.load(DATA / "log_sources.yaml")
    settings = load_scrubber_config(DATA / "pii.yaml")
    out = {}
    for day in DAYS:
        rows, _q, _stats = ingest_day(UPath(DATA / "raw_logs"), day, cfg)
        out[day] = scrub_table(rows, processes=1, config=settings, key="shipped-logs-test-key")
    return out, settings


def test_no_gold_value_left(scrubbed_days):
    results, _ = scrubbed_days
    gold = [json.loads(x) for x in (DATA / "gold" / "pii_gold.jsonl").read_text().splitlines()]
    for day, res in results.items():
        text = json.dumps(res.scrubbed.to_pylist(), default=str, ensure_ascii=False)
        values = {g["value"] for g in gold if g["day"] == day and len(g["value"]) >= 5}
        leaked = sorted(v for v in values if v in text)
        assert not leaked, f"{day}: {len(leaked)} gold values survived"


def test_no_common_word_or_product_became_a_pseudonym(scrubbed_days):
    results, settings = scrubbed_days
    allow = frozenset(t.casefold() for t in settings.allow_terms)
    for day, res in results.items():
        inv = res.inventory
        replaced = inv[~inv["entity"].isin(STRUCTURED)]
        bad = sorted(
            f"{r.value!r} ({r.entity}, {r.detector})"
            for r in replaced.itertuples()
            if _is_word_or_product(r.value, allow) or r.value.strip() in NEVER
        )
        assert not bad, f"{day}: replaced ordinary words / product terms: {bad[:20]}"
        assert not (set(inv["value"]) & NEVER)


def test_inventory_says_why(scrubbed_days):
    results, _ = scrubbed_days
    for res in results.values():
        inv = res.inventory
        assert len(inv) and inv["detector"].astype(bool).all()
        assert inv["score"].between(0, 1).all()
        # every propagated value was found confidently
        assert (inv.loc[inv["propagated"], "score"] >= 0.85).all()

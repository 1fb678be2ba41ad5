"""The shipped sample logs are exactly what the seeded generator writes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from evalpipe.synth import production_logs as pl

DATA = Path(__file__).resolve().parents[2] / "data"


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_generator_reproduces_shipped_files_byte_for_byte(tmp_path):
    shutil.copytree(DATA / "kb", tmp_path / "kb")
    pl.generate(tmp_path)
    assert _digest(tmp_path / "raw_logs") == _digest(DATA / "raw_logs")
    assert _digest(tmp_path / "gold") == _digest(DATA / "gold")


def test_shipped_files_are_under_20_mb():
    total = sum(
        p.stat().st_size for d in ("raw_logs", "gold", "kb") for p in (DATA / d).rglob("*") if p.is_file()
    )
    assert total < 20 * 1024 * 1024


def test_gold_spans_point_at_their_values_and_stay_out_of_the_logs_own_fields():
    gold = [json.loads(line) for line in (DATA / "gold" / "pii_gold.jsonl").read_text().splitlines()]
    entities = {g["entity"] for g in gold}
    assert entities >= {
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IBAN_CODE",
        "IP_ADDRESS",
        "US_SSN",
        "STREET_ADDRESS",
        "API_KEY",
    }
    assert all(g["end"] - g["start"] == len(g["value"]) for g in gold)
    raw = b"".join(p.read_bytes() for p in (DATA / "raw_logs").rglob("*.jsonl"))
    assert b"pii_gold" not in raw and b'"entity"' not in raw
    # every planted value really is in the logs (modulo the corrupted lines' re-encoding)
    sample = [g for g in gold if not g["malformed"]][:500]
    text = raw.decode("utf-8", errors="replace")
    for g in sample:
        assert json.dumps(g["value"], ensure_ascii=False)[1:-1] in text, g


def test_checksummed_values_are_valid():
    import random

    from evalpipe.synth import pii_values as pv

    rng = random.Random(3)
    for _ in range(200):
        digits = [int(c) for c in pv.card(rng) if c.isdigit()]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits))
        )
        assert total % 10 == 0
        iban = pv.iban(rng).replace(" ", "")
        assert int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 == 1


def test_planted_experiment_price_drift_and_feedback():
    """What issue 14 needs from the sample data, at the generator level (before any metric)."""
    kb = pl.load_kb_sections(DATA / "kb")
    plan = pl.EXPERIMENT
    by_arm: dict[str | None, list] = {}
    sessions: dict[str, set] = {}
    wrong_price_share = []
    days = [f"2026-11-{d}" for d in range(16, 30)]
    drift = dict(zip(days[-len(pl.PRICE_DRIFT) :], pl.PRICE_DRIFT, strict=True))
    for day in days:
        calls = pl.DayGenerator(day, pl.DEFAULT_SEED, kb, 300, price_drift=drift.get(day, 0.0)).calls()
        priced = [c for c in calls if c.intent in ("pricing", "competitor") and c.output and c.output.content]
        wrong_price_share.append(sum(c.hallucinated for c in priced) / len(priced))
        for c in calls:
            by_arm.setdefault(c.variant, []).append(c)
            if c.variant:
                sessions.setdefault(c.variant, set()).add(c.session_id)
            assert (c.variant is not None) == (c.channel in plan.channels)
            assert ("variant" in c.metadata) <= (c.variant is not None)
    n_c, n_t = len(sessions[plan.control]), len(sessions[plan.treatment])
    assert abs(n_t / (n_c + n_t) - 0.5) < 0.03  # a 50/50 split by session
    rate = {arm: sum(c.hallucinated for c in cs) / len(cs) for arm, cs in by_arm.items()}
    assert rate[plan.treatment] > 4 * rate[plan.control] and rate[plan.control] < 0.05
    enrolled = by_arm[plan.control] + by_arm[plan.treatment]
    missing = sum("variant" not in c.metadata for c in enrolled) / len(enrolled)
    assert 0.005 < missing < 0.04  # some enrolled calls lose the variant field
    # the slow rise of wrong prices in the last days
    assert max(wrong_price_share[:-4]) < 0.2 < wrong_price_share[-1]
    assert wrong_price_share[-1] > wrong_price_share[-4]
    # feedback follows the wrong fact, not the length
    rated = [c for c in enrolled if c.feedback_score is not None and c.output and c.output.content]
    neg_wrong = [c.feedback_score < 0 for c in rated if c.hallucinated]
    neg_ok = [c.feedback_score < 0 for c in rated if not c.hallucinated]
    assert sum(neg_wrong) / len(neg_wrong) > 3 * sum(neg_ok) / len(neg_ok)


def test_swap_number_keeps_length_and_spans():
    import random

    from evalpipe.synth import conversations as cv

    persona = cv.make_persona(random.Random(1), "en")
    text = cv.fill("Hi {first}, the Team plan is $29 per user per month, 2 months free.", persona)
    wrong = pl.swap_number(text, random.Random(0), prices_only=True)
    assert wrong is not None and "$39" in wrong.text and abs(len(wrong.text) - len(text.text)) <= 1
    assert all(wrong.text[s.start : s.end] == s.value for s in wrong.spans)
    assert pl.swap_number(cv.Text("Yes, on Team and above."), random.Random(0)) is None

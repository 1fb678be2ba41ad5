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

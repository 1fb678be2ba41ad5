"""Adapters: the same call logged in every format lands on the same canonical messages."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from evalpipe.logs.adapters import generic, openai_jsonl, otel
from evalpipe.logs.errors import RecordError
from evalpipe.logs.ingest import SourceConfig
from evalpipe.synth import production_logs as pl

DATA = Path(__file__).resolve().parents[2] / "data"


def _calls(n: int = 300) -> list[pl.Call]:
    kb = pl.load_kb_sections(DATA / "kb")
    return pl.DayGenerator("2026-01-05", 7, kb, n).calls()


def _otel_rows(call: pl.Call, style: str) -> dict:
    call.otel_style = style
    line, log_lines = pl.render_otel(call, random.Random(1))
    log_events = []
    for ll in log_lines:
        for _, rec in otel.iter_log_records(ll):
            _, name, body = otel.log_record_event(rec)
            log_events.append((name, body))
    spans = [(r, s) for _, r, s in otel.iter_spans(line) if otel.is_model_span(s)]
    assert len(spans) == 1, "exactly one model span per trace line; the others are skipped"
    res, span = spans[0]
    return otel.span_to_canonical(span, res, log_events)


def _strip(msgs: str | None) -> list:
    return json.loads(msgs) if msgs else []


@pytest.mark.parametrize("style", ["attributes", "events", "logs"])
def test_openai_and_otel_styles_agree_on_messages(style):
    calls = _calls()[:120]
    for call in calls:
        o = openai_jsonl.to_canonical(json.loads(json.dumps(pl.render_openai(call))))
        t = _otel_rows(call, style)
        assert _strip(o["input_messages"]) == _strip(t["input_messages"]), call.call_id
        assert _strip(o["system_instructions"]) == _strip(t["system_instructions"])
        assert [m["parts"] for m in _strip(o["output_messages"])] == [
            m["parts"] for m in _strip(t["output_messages"])
        ]
        assert o["status"] == t["status"] and o["feedback_score"] == t["feedback_score"]
        assert o["tags"] == t["tags"]


def test_generic_mapping_reads_the_email_channel():
    cfg = SourceConfig.load(DATA / "log_sources.yaml")
    for call in _calls(200):
        row = generic.to_canonical(json.loads(json.dumps(pl.render_generic(call))), cfg.generic)
        msgs = json.loads(row["input_messages"])
        assert msgs[-1]["role"] == "user"
        assert row["latency_ms"] == pytest.approx(call.latency_ms, abs=0.1)
        assert row["status"] == ("error" if call.error_type else "ok")
        assert json.loads(row["metadata"])["client_ip"] == call.metadata["client_ip"].text
        if call.feedback_score is not None:
            assert row["feedback_score"] == call.feedback_score


def test_generic_mapping_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown keys"):
        generic.GenericMapping.from_config({"fields": {"started_at": "ts"}, "colums": {}})
    with pytest.raises(ValueError, match="started_at"):
        generic.GenericMapping.from_config({"fields": {}})


def test_openai_tool_calls_and_errors_are_canonical():
    calls = _calls(400)
    with_tools = next(c for c in calls if c.tools and c.channel)
    row = openai_jsonl.to_canonical(pl.render_openai(with_tools))
    msgs = json.loads(row["input_messages"])
    parts = [p for m in msgs for p in m["parts"]]
    tc = next(p for p in parts if p["type"] == "tool_call")
    assert tc["name"] == "lookup_customer" and isinstance(tc["arguments"], dict)
    assert any(p["type"] == "tool_call_response" and p["id"] == tc["id"] for p in parts)
    failed = next(c for c in calls if c.error_type)
    row = openai_jsonl.to_canonical(pl.render_openai(failed))
    assert (
        row["status"] == "error" and row["error_type"] == failed.error_type and row["output_messages"] is None
    )


def test_otel_span_errors_and_types():
    call = next(c for c in _calls() if c.error_type)
    row = _otel_rows(call, "attributes")
    assert row["status"] == "error" and row["error_type"] == call.error_type
    assert row["error_message"] == call.error_message.text
    line, _ = pl.render_otel(call, random.Random(0))
    span = line["resourceSpans"][0]["scopeSpans"][1]["spans"][0]
    span["startTimeUnixNano"] = "yesterday"
    with pytest.raises(RecordError) as e:
        otel.span_to_canonical(span, {}, None)
    assert e.value.reason == "schema_violation"
    assert otel.any_value({"intValue": "42"}, "x") == 42  # OTLP/JSON 64-bit ints are strings


def test_real_openai_v2_instrumentation_export_is_read(tmp_path):
    """Fixture made by opentelemetry-instrumentation-openai-v2 against a local stand-in endpoint."""
    import os
    import subprocess
    import sys

    from evalpipe.logs.ingest import IngestStats, ingest_paths, list_source_files

    env = dict(os.environ, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="true")
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name("otel_fixture.py")), str(tmp_path / "export")],
        env=env,
        check=True,
        timeout=120,
    )
    expected = json.loads((tmp_path / "export" / "expected.json").read_text())
    (tmp_path / "export" / "expected.json").unlink()
    cfg = SourceConfig.load(DATA / "log_sources.yaml")
    stats: list[IngestStats] = []
    batches = list(ingest_paths(list_source_files(tmp_path / "export"), cfg, stats_out=stats))
    rows = [r for b in batches for r in b.rows.to_pylist()]
    assert sum(b.quarantine.num_rows for b in batches) == 0 and stats[0].reconciles()
    assert stats[0].skipped_by_reason["log_record_joined"] > 0
    assert len(rows) == len(expected["prompts"])
    by_prompt = {json.loads(r["input_messages"])[-1]["parts"][0]["content"]: r for r in rows}
    assert set(by_prompt) == set(expected["prompts"])
    ok = by_prompt[expected["prompts"][0]]
    assert json.loads(ok["system_instructions"]) == [{"type": "text", "content": expected["system"]}]
    assert json.loads(ok["output_messages"])[0]["parts"] == [{"type": "text", "content": expected["answer"]}]
    assert ok["input_tokens"] == 21 and ok["output_tokens"] == 11 and ok["status"] == "ok"
    failed = by_prompt["Please FAIL this one"]
    assert failed["status"] == "error" and failed["error_type"] == "BadRequestError"
    assert all(len(r["trace_id"]) == 32 and len(r["span_id"]) == 16 for r in rows), "hex ids"

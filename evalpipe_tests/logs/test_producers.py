"""Exports written by real LLM stacks (fixtures from the packages themselves, see fixtures_gen/).

Each producer's fixture is 20 calls through the real `openai` client: 18 ok (5 streamed, two
multi-turn sessions), 2 failing; the OTel ones also hold 27 non-model app spans.  Every one
must ingest 20 of 20 under `--format auto` with the right users, answers, errors, tokens and
timings, and the counts must reconcile.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalpipe.logs.ingest import FORMATS, IngestStats, SourceConfig, ingest_paths, list_source_files

DATA = Path(__file__).resolve().parents[2] / "data"
FIX = Path(__file__).with_name("fixtures")
PRODUCERS = {  # fixture folder -> source_format of its rows
    "openllmetry_0.62": "openllmetry",
    "openllmetry_0.47": "openllmetry",
    "openinference_0.1": "openinference",
    "openinference_0.1_genai": "openinference",
    "openai_batch": "openai_batch",
    "litellm": "litellm",
}


def _cfg() -> SourceConfig:
    return SourceConfig.load(DATA / "log_sources.yaml")


def _ingest(files, fmt: str = "auto"):
    stats: list[IngestStats] = []
    batches = list(ingest_paths(files, _cfg(), fmt=fmt, stats_out=stats))
    rows = [r for b in batches for r in b.rows.to_pylist()]
    q = [r for b in batches for r in b.quarantine.to_pylist()]
    assert stats[0].reconciles(), stats[0].as_dict()
    return rows, q, stats[0]


def _expected(folder: str) -> dict:
    return json.loads((FIX / folder / "_expected.json").read_text())


def _last_user_text(row: dict) -> str:
    msgs = json.loads(row["input_messages"])
    return next(p["content"] for m in reversed(msgs) if m["role"] == "user" for p in m["parts"])


@pytest.mark.parametrize("folder", sorted(PRODUCERS))
def test_each_producer_ingests_20_of_20_with_the_right_fields(folder):
    exp = _expected(folder)
    rows, q, stats = _ingest(list_source_files(FIX / folder))
    assert q == [] and stats.unrecognised == [] and stats.warnings == []
    assert stats.accepted_by_format == {PRODUCERS[folder]: 20}
    otel_export = folder.startswith(("openllmetry", "openinference"))
    if otel_export:
        assert stats.skipped_by_reason == {"non_model_span": exp["non_model_spans"]} == {"non_model_span": 27}
    elif folder == "openai_batch":
        assert stats.skipped_by_reason == {"batch_input_joined": 20}
    assert stats.read == stats.accepted + stats.quarantined + stats.skipped
    by_prompt = {_last_user_text(r): r for r in rows}
    assert len(by_prompt) == 20
    system = [{"type": "text", "content": exp["system"]}]
    for call in exp["calls"]:
        r = by_prompt[call["prompt"]]
        where = f"{folder} call {call['index']}"
        assert json.loads(r["system_instructions"]) == system, where  # not an input message
        msgs = json.loads(r["input_messages"])
        assert len(msgs) == call["n_input_messages"] and all(m["role"] != "system" for m in msgs), where
        assert r["user_id"] == call["user"], where
        assert r["request_model"] == "gpt-4o-mini", where
        assert r["status"] == call["status"], where
        if folder.startswith("openinference"):
            assert r["session_id"] == call["session"], where
        if call["status"] == "ok":
            out = json.loads(r["output_messages"])
            assert out[0]["parts"][0]["content"] == call["answer"] and out[0]["finish_reason"] == "stop", (
                where
            )
            assert (r["input_tokens"], r["output_tokens"]) == (call["input_tokens"], call["output_tokens"]), (
                where
            )
            assert r["error_type"] is None and r["response_model"].startswith("gpt-4o-mini"), where
        else:
            assert r["output_messages"] is None, where
            want = call["error_class"]
            if folder == "openai_batch":  # the batch has no exception class: the API's error type / code
                want = {400: "invalid_request_error", 429: "batch_expired"}[call["http_status"]]
            assert r["error_type"] == want, where
        if folder == "openai_batch":
            assert r["latency_ms"] is None and r["ttft_ms"] is None, "batch files carry no timing"
            continue
        assert r["latency_ms"] > 0, where
        if call["stream"]:  # the stand-in waits 60 ms before the first chunk
            assert 50 <= r["ttft_ms"] <= r["latency_ms"], where
        else:
            assert r["ttft_ms"] is None, where
        if call["status"] == "ok" and not call["stream"]:
            assert r["latency_ms"] >= 25, where  # the stand-in waits 30 ms before answering
        if folder == "litellm":
            assert (r["cost_usd"] > 0) == (call["status"] == "ok"), where
            assert r["trace_id"] and r["tags"] == ["support", call["session"]], where
        else:
            assert r["cost_usd"] is None, where


def test_openinference_genai_semconv_keeps_the_request_model_and_the_error_type():
    """The package writes the response model into gen_ai.request.model and no error.type."""
    line = (FIX / "openinference_0.1_genai" / "traces.jsonl").read_text()
    assert '"gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini-2024-07-18"}' in line
    rows, _, _ = _ingest(list_source_files(FIX / "openinference_0.1_genai"))
    assert {r["request_model"] for r in rows} == {"gpt-4o-mini"}
    assert {r["response_model"] for r in rows if r["status"] == "ok"} == {"gpt-4o-mini-2024-07-18"}
    assert sorted(r["error_type"] for r in rows if r["status"] == "error") == [
        "BadRequestError",
        "RateLimitError",
    ]


def test_one_export_mixing_three_conventions_is_read_span_by_span(tmp_path):
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "".join(
            (FIX / d / "traces.jsonl").read_text()
            for d in ("openllmetry_0.47", "openinference_0.1", "openllmetry_0.62")
        )
    )
    rows, q, stats = _ingest([(mixed, "mixed.jsonl")])
    assert q == [] and stats.accepted_by_format == {"openllmetry": 40, "openinference": 20}
    assert stats.skipped_by_reason == {"non_model_span": 81}


@pytest.mark.parametrize(
    "fmt,folder", [("openllmetry", "openllmetry_0.47"), ("openinference", "openinference_0.1")]
)
def test_producer_selectable_by_name(fmt, folder):
    rows, q, stats = _ingest(list_source_files(FIX / folder), fmt=fmt)
    assert stats.accepted_by_format == {fmt: 20} and {r["source_format"] for r in rows} == {fmt}


def test_log_sources_can_name_a_producer_per_file_pattern(tmp_path):
    cfg = tmp_path / "sources.yaml"
    cfg.write_text('formats: {"*.traceloop.jsonl": openllmetry, "batch_*": openai_batch}\n')
    assert SourceConfig.load(cfg).formats == {"*.traceloop.jsonl": "openllmetry", "batch_*": "openai_batch"}
    cfg.write_text('formats: {"*.jsonl": langfuse}\n')
    from evalpipe.logs.errors import SourceError

    with pytest.raises(SourceError, match="litellm"):
        SourceConfig.load(cfg)


def test_cli_format_choices_are_the_ingest_formats():
    from evalpipe.cli import INGEST_FORMATS

    assert INGEST_FORMATS == ("auto", *FORMATS)


# ---------------------------------------------------------------------------------- Batch API join


def _batch_lines(name: str) -> list[str]:
    return (FIX / "openai_batch" / name).read_text().splitlines()


def test_batch_output_is_out_of_order_and_holds_both_failure_forms():
    ins = [json.loads(x)["custom_id"] for x in _batch_lines("batch_input.jsonl")]
    outs = [json.loads(x) for x in _batch_lines("batch_output.jsonl")]
    assert [o["custom_id"] for o in outs] != ins and sorted(o["custom_id"] for o in outs) == sorted(ins)
    assert any(o["response"] is None and o["error"]["code"] == "batch_expired" for o in outs)
    assert any(o["response"] and o["response"]["status_code"] == 400 for o in outs)
    rows, _, _ = _ingest(list_source_files(FIX / "openai_batch"))
    expired = next(r for r in rows if r["error_type"] == "batch_expired")
    assert expired["started_at"] is not None, "a failed line takes the earliest `created` of its file"
    assert "expired" in expired["error_message"]
    ok = next(r for r in rows if r["status"] == "ok")
    assert json.loads(ok["metadata"])["custom_id"].startswith("request-")


def test_batch_join_quarantines_orphans_and_counts_requests_without_result(tmp_path):
    ins, outs = _batch_lines("batch_input.jsonl"), _batch_lines("batch_output.jsonl")
    dropped_input = json.loads(ins[0])["custom_id"]
    kept_outs = [o for o in outs if json.loads(o)["custom_id"] != json.loads(ins[1])["custom_id"]]
    (tmp_path / "in.jsonl").write_text("\n".join(ins[1:]) + "\n")  # request-01 lost from the input
    (tmp_path / "out.jsonl").write_text("\n".join(kept_outs) + "\n")  # request-02 has no result
    rows, q, stats = _ingest([(tmp_path / "in.jsonl", "in.jsonl"), (tmp_path / "out.jsonl", "out.jsonl")])
    assert len(rows) == 18
    assert [(r["reason"], json.loads(r["raw"])["custom_id"]) for r in q] == [
        ("orphan_batch_output", dropped_input)
    ]
    assert stats.skipped_by_reason == {"batch_input_joined": 18, "no_batch_result": 1}
    assert stats.read == 19 + 19 and stats.unrecognised == []


def test_cli_takes_the_two_batch_files_as_two_paths(tmp_path, capsys):
    from evalpipe.cli import main

    d = FIX / "openai_batch"
    args = [
        "ingest",
        str(d / "batch_output.jsonl"),
        str(d / "batch_input.jsonl"),
        "--out",
        str(tmp_path),
        "--json",
    ]
    assert main([*args, "--config", str(DATA / "log_sources.yaml")]) == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["accepted_by_format"] == {"openai_batch": 20}


def test_batch_files_under_the_gateway_format_are_not_a_silent_success(tmp_path):
    rows, q, stats = _ingest(list_source_files(FIX / "openai_batch"), fmt="openai")
    assert rows == [] and len(q) == 40
    assert len(stats.unrecognised) == 2 and all(
        "closest known format is openai_batch" in u for u in stats.unrecognised
    )


# ---------------------------------------------------------------------------------- silent loss


def _app_spans_only(tmp_path: Path) -> Path:
    """The OpenLLMetry export with its model spans removed: 27 spans of no known convention."""
    out = []
    for line in (FIX / "openllmetry_0.47" / "traces.jsonl").read_text().splitlines():
        obj = json.loads(line)
        for rs in obj["resourceSpans"]:
            rs["scopeSpans"] = [ss for ss in rs["scopeSpans"] if ss["scope"]["name"] == "brightdesk.app"]
        out.append(json.dumps(obj))
    p = tmp_path / "app_spans.jsonl"
    p.write_text("\n".join(out) + "\n")
    return p


def test_an_export_of_unknown_spans_is_a_problem_with_a_diagnosis(tmp_path):
    p = _app_spans_only(tmp_path)
    rows, q, stats = _ingest([(p, "app_spans.jsonl")])
    assert rows == [] and q == [] and stats.skipped == 27
    [msg] = stats.problems()
    assert msg.startswith("app_spans.jsonl: 0 of 27 spans recognised; the closest known format is")
    assert "http.route" in msg and "kb.top_k" in msg


def test_capture_off_ingests_with_a_warning_naming_the_setting():
    rows, q, stats = _ingest(list_source_files(FIX / "openllmetry_0.62_nocontent"))
    assert len(rows) == 20 and stats.problems() == []
    [w] = stats.warnings
    assert "20 of 20 openllmetry model spans carry no message content" in w and "TRACELOOP_TRACE_CONTENT" in w
    assert all(json.loads(r["metadata"])["content_capture"] == "none" for r in rows)


def test_an_empty_export_is_a_problem(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "no_spans.jsonl").write_text('{"resourceSpans": []}\n')
    rows, q, stats = _ingest(list_source_files(tmp_path))
    assert rows == q == [] and stats.read == 0
    assert stats.warnings == ["empty.jsonl: empty file", "no_spans.jsonl: OTLP export with 0 spans"]
    assert stats.problems() == ["nothing to ingest: 2 file(s), 1 empty, 0 records read"]


@pytest.mark.parametrize("case", ["unknown_spans", "empty", "unknown_lines"])
def test_cli_exits_2_when_nothing_is_recognised(tmp_path, capsys, case):
    from evalpipe.cli import main

    src = tmp_path / "src"
    src.mkdir()
    if case == "unknown_spans":
        _app_spans_only(src)
        want = "0 of 27 spans recognised"
    elif case == "empty":
        (src / "empty.jsonl").write_bytes(b"")
        want = "nothing to ingest"
    else:
        (src / "langfuse.jsonl").write_text('{"observation": {"input": "hi"}, "traceId": "t"}\n' * 3)
        want = "0 of 3 lines recognised"
    rc = main(
        ["ingest", str(src), "--out", str(tmp_path / "out"), "--config", str(DATA / "log_sources.yaml")]
    )
    err = " ".join(capsys.readouterr().err.split())
    assert rc == 2 and want in err


def test_cli_capture_off_exits_0_with_the_warning(tmp_path, capsys):
    from evalpipe.cli import main

    args = ["ingest", str(FIX / "openllmetry_0.62_nocontent"), "--out", str(tmp_path), "--json"]
    assert main([*args, "--config", str(DATA / "log_sources.yaml")]) == 0
    assert "TRACELOOP_TRACE_CONTENT" in " ".join(capsys.readouterr().err.split())

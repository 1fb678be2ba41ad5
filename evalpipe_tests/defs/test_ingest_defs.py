"""Dagster wiring of ingestion: partitioned materialization, metadata, checks, failures."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from evalpipe.defs.ingest.assets import raw_logs
from evalpipe.defs.ingest.checks import quarantine_rate_below_5_percent
from evalpipe.defs.io import LakeIOManager
from evalpipe.defs.resources import ConfigFilesResource, LogSourceResource, WarehouseResource

DATA = Path(__file__).resolve().parents[2] / "data"


def _resources(tmp_path: Path, source_root: str | None = None) -> dict:
    return {
        "io_manager": LakeIOManager(base_path=str(tmp_path / "lake")),
        "restricted_io_manager": LakeIOManager(base_path=str(tmp_path / "restricted")),
        "warehouse": WarehouseResource(path=str(tmp_path / "wh.duckdb"), lake_root=str(tmp_path / "lake")),
        "log_source": LogSourceResource(
            config_path=str(DATA / "log_sources.yaml"), source_root=source_root or str(DATA / "raw_logs")
        ),
        "config_files": ConfigFilesResource(
            metrics=str(DATA / "metrics.yaml"),
            report=str(DATA / "report.yaml"),
            sampling=str(DATA / "sampling.yaml"),
            pii=str(DATA / "pii.yaml"),
        ),
    }


def test_definitions_load_with_expected_graph():
    from evalpipe.definitions import defs

    d = defs()
    keys = {k.to_user_string() for k in d.resolve_all_asset_keys()}
    assert {"raw_logs", "ingest_quarantine"} <= keys
    assert d.resolve_job_def("ingest_job") is not None
    assert {"io_manager", "restricted_io_manager", "warehouse", "log_source"} <= set(d.resources)


def test_raw_logs_partition_materializes_with_reconciling_metadata(tmp_path):
    with dg.instance_for_test() as instance:
        for _ in range(2):  # re-running a partition never duplicates rows
            result = dg.materialize(
                [raw_logs, quarantine_rate_below_5_percent],
                partition_key="2026-11-16",
                resources=_resources(tmp_path),
                instance=instance,
            )
            assert result.success
        mats = {m.asset_key.to_user_string(): m for m in result.asset_materializations_for_node("raw_logs")}
        md = {k: v.value for k, v in mats["raw_logs"].metadata.items()}
        assert md["read"] == md["accepted"] + md["quarantined"] + md["skipped"] and md["reconciles"]
        assert md["dagster/row_count"] == md["accepted"] == 275
        [check] = result.get_asset_check_evaluations()
        assert check.passed
    assert (tmp_path / "restricted" / "raw_logs" / "2026-11-16.parquet").exists()
    assert not (tmp_path / "lake" / "raw_logs").exists(), "unscrubbed rows never land in the clean lake"
    from evalpipe.warehouse.duck import Warehouse

    wh = Warehouse(tmp_path / "wh.duckdb", lake_root=None)
    assert wh.query("SELECT count(*) FROM ingest_stats").iloc[0, 0] == 1
    cols = set(wh.query("SELECT * FROM ingest_quarantine_summary LIMIT 0").columns)
    assert "raw" not in cols, "raw (PII-bearing) bytes stay in the restricted zone"


def test_missing_day_folder_fails_the_run_with_a_clear_message(tmp_path):
    (tmp_path / "src").mkdir()
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [raw_logs],
            partition_key="2026-11-16",
            instance=instance,
            resources=_resources(tmp_path, str(tmp_path / "src")),
            raise_on_error=False,
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "no logs for 2026-11-16" in failure.event_specific_data.error.to_string()


@pytest.mark.slow
def test_definitions_validate_cli(repo):
    import subprocess

    r = subprocess.run(
        [str(Path(repo) / ".venv/bin/dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]


FIX = Path(__file__).resolve().parents[1] / "logs" / "fixtures"


def _materialize_day(tmp_path: Path, files: dict[str, bytes], with_check: bool = False):
    day = tmp_path / "src" / "2026-11-16"
    day.mkdir(parents=True)
    for name, data in files.items():
        (day / name).write_bytes(data)
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [raw_logs, quarantine_rate_below_5_percent] if with_check else [raw_logs],
            partition_key="2026-11-16",
            instance=instance,
            resources=_resources(tmp_path, str(tmp_path / "src")),
            raise_on_error=False,
        )


def _failure_text(result) -> str:
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    return " ".join(failure.event_specific_data.error.to_string().split())


def _app_spans_only() -> bytes:
    out = []
    for line in (FIX / "openllmetry_0.47" / "traces.jsonl").read_text().splitlines():
        obj = json.loads(line)
        for rs in obj["resourceSpans"]:
            rs["scopeSpans"] = [ss for ss in rs["scopeSpans"] if ss["scope"]["name"] == "brightdesk.app"]
        out.append(json.dumps(obj))
    return ("\n".join(out) + "\n").encode()


def test_a_file_of_unknown_spans_fails_the_partition_naming_the_file(tmp_path):
    good = (DATA / "raw_logs" / "2026-11-16" / "openai.jsonl").read_bytes()
    result = _materialize_day(tmp_path, {"openai.jsonl": good, "app_spans.jsonl": _app_spans_only()})
    assert not result.success
    assert "2026-11-16/app_spans.jsonl: 0 of 27 spans recognised" in _failure_text(result)
    assert not (tmp_path / "restricted" / "raw_logs" / "2026-11-16.parquet").exists()


def test_an_empty_export_fails_the_partition(tmp_path):
    result = _materialize_day(tmp_path, {"empty.jsonl": b"", "spans.jsonl": b'{"resourceSpans": []}\n'})
    assert not result.success and "nothing to ingest: 2 file(s)" in _failure_text(result)


def test_capture_off_materializes_with_the_warning_in_metadata(tmp_path):
    data = (FIX / "openllmetry_0.62_nocontent" / "traces.jsonl").read_bytes()
    result = _materialize_day(tmp_path, {"traces.jsonl": data})
    assert result.success
    [mat] = [
        m for m in result.asset_materializations_for_node("raw_logs") if m.asset_key.path == ["raw_logs"]
    ]
    assert mat.metadata["accepted"].value == 20
    assert "TRACELOOP_TRACE_CONTENT" in str(mat.metadata["warnings"].value)


def test_quarantine_check_fails_when_nothing_is_accepted(tmp_path):
    """A logs export without its traces: every record an orphan, 0 accepted; 0/0 is not 0%."""
    logs = (DATA / "raw_logs" / "2026-11-16" / "otel_logs.jsonl").read_bytes()
    result = _materialize_day(tmp_path, {"otel_logs.jsonl": logs}, with_check=True)
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "no record accepted" in check.description

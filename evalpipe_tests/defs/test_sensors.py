"""Sensors evaluated directly with an ephemeral instance (build_sensor_context does not thread it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from evalpipe.defs.automation.sensors import new_raw_logs_sensor
from evalpipe.defs.resources import LogSourceResource

DATA = Path(__file__).resolve().parents[2] / "data"


def _evaluate(root: Path, cursor: str | None):
    from evalpipe.definitions import defs

    ctx = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        cursor=cursor,
        definitions=defs(),
        resources={
            "log_source": LogSourceResource(config_path=str(DATA / "log_sources.yaml"), source_root=str(root))
        },
    )
    result = new_raw_logs_sensor.evaluate_tick(ctx)
    return result.run_requests or [], result.cursor


def test_new_raw_logs_sensor_requests_each_new_partition_once(tmp_path):
    root = tmp_path / "src"
    for day in ("2026-11-16", "2026-11-17"):
        shutil.copytree(DATA / "raw_logs" / day, root / day)
    requests, cursor = _evaluate(root, None)
    assert sorted(r.partition_key for r in requests) == ["2026-11-16", "2026-11-17"]
    assert len({r.run_key for r in requests}) == 2
    again, cursor = _evaluate(root, cursor)
    assert again == [], "unchanged files are never processed twice"
    shutil.copytree(DATA / "raw_logs" / "2026-11-18", root / "2026-11-18")
    (root / "2026-11-16" / "late.jsonl").write_text(
        (DATA / "raw_logs" / "2026-11-18" / "generic.jsonl").read_text()
    )
    newer, cursor = _evaluate(root, cursor)
    assert sorted(r.partition_key for r in newer) == ["2026-11-16", "2026-11-18"]
    (root / "1999-01-01").mkdir()
    (root / "1999-01-01" / "x.jsonl").write_text("{}\n")
    outside, _ = _evaluate(root, cursor)
    assert outside == [], "folders outside the partition range are ignored"

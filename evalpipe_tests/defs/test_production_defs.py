"""production_scores and daily_quality through Dagster: lake + DuckDB, idempotent per day, checks."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import evalpipe.defs.production.assets as prod_assets
from evalpipe.defs.automation.jobs import production_monitoring_job
from evalpipe.defs.automation.production import production_monitoring_sensor, refresh_request
from evalpipe.defs.io import LakeIOManager
from evalpipe.defs.metrics.resources import JudgeResource
from evalpipe.defs.monitoring.assets import daily_quality
from evalpipe.defs.partitions import daily_partitions
from evalpipe.defs.production.assets import production_scores
from evalpipe.defs.resources import ConfigFilesResource, LakeResource, WarehouseResource
from evalpipe.logs.schema import LLM_CALL_SCHEMA
from evalpipe.metrics.embedding import Embedder
from evalpipe_tests.metrics.conftest import bow_encode
from evalpipe_tests.production.test_scoring import _row

# A plain ephemeral instance (never entered as a context manager: see test_automation's note on
# Dagster's defs-state context variable).
_INSTANCE = dg.DagsterInstance.ephemeral()


@pytest.fixture
def env(tmp_path, monkeypatch):
    emb = Embedder(bow_encode, fingerprint="bow")
    monkeypatch.setattr(prod_assets, "default_embedder", lambda cache_dir=None: emb)
    lake = tmp_path / "lake"
    return (
        {
            "io_manager": LakeIOManager(base_path=str(lake)),
            "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb"), lake_root=str(lake)),
            "lake": LakeResource(
                root=str(lake), cache_root=str(tmp_path / "cache"), reports_root=str(tmp_path / "rep")
            ),
            "judge": JudgeResource(mode="off"),
            "config_files": ConfigFilesResource(),
            "restricted_io_manager": LakeIOManager(base_path=str(tmp_path / "restricted")),
        },
        lake,
        tmp_path / "w.duckdb",
    )


def _write_day(lake, day: str, n: int) -> None:
    rows = [_row(rid=f"{day}-{i}", session=f"{day}-s{i // 2}", turn=i % 2) for i in range(n)]
    for r in rows:
        r["day"] = day
    df = pd.DataFrame(rows)
    for f in LLM_CALL_SCHEMA:
        if f.name not in df:
            df[f.name] = None
    df["source_format"], df["source_file"], df["source_line"], df["source_index"] = "openai", "f", 1, 0
    (lake / "scrubbed_logs").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pandas(df[LLM_CALL_SCHEMA.names], schema=LLM_CALL_SCHEMA),
        lake / "scrubbed_logs" / f"{day}.parquet",
    )


def _count(db, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


def test_scores_and_daily_quality_are_idempotent_per_day(env):
    resources, lake, db = env
    _write_day(lake, "2026-11-20", 10)
    _write_day(lake, "2026-11-21", 6)
    for day in ("2026-11-20", "2026-11-20", "2026-11-21"):  # the first day twice
        res = dg.materialize(
            [
                dg.SourceAsset("scrubbed_logs", partitions_def=daily_partitions),
                production_scores,
                daily_quality,
            ],
            partition_key=day,
            resources=resources,
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert res.success
        checks = {c.check_name: c.passed for c in res.get_asset_check_evaluations()}
        assert checks == {"every_sampled_call_scored": True, "metric_errors_below_1_percent": True}
    n_metrics = _count(db, "SELECT count(DISTINCT metric) FROM production_scores")
    assert _count(db, "SELECT count(*) FROM production_scores") == (10 + 6) * n_metrics
    assert (
        _count(db, "SELECT count(DISTINCT record_id) FROM production_scores WHERE day = '2026-11-20'") == 10
    )
    assert (lake / "production_scores" / "2026-11-20.parquet").exists()
    faith = _count(
        db, "SELECT count(*) FROM daily_quality WHERE metric = 'faithfulness' AND system = 'gpt-4o-mini'"
    )
    assert faith == 2  # one row per day, not duplicated by the re-run
    assert _count(db, "SELECT count(*) FROM daily_quality WHERE metric = 'error_rate'") == 2


def test_monitoring_job_and_sensor_follow_each_daily_run():
    assert production_monitoring_job.partitions_def is None
    assert production_monitoring_sensor.name == "production_monitoring_sensor"
    req = refresh_request("run-1", {"dagster/partition": "2026-11-29"})
    assert (
        req.run_key == "production-monitors-after-run-1" and req.tags["evalpipe/scored_day"] == "2026-11-29"
    )
    assert refresh_request("run-2", {}).run_key != req.run_key


def test_demo_prints_yesterdays_production_quality_with_cis(env, capsys):
    from evalpipe.demo import console, print_production_quality
    from evalpipe.warehouse.duck import Warehouse

    resources, lake, db = env
    _write_day(lake, "2026-11-20", 8)
    with dg.instance_for_test() as instance:
        res = dg.materialize(
            [
                dg.SourceAsset("scrubbed_logs", partitions_def=daily_partitions),
                production_scores,
                daily_quality,
            ],
            partition_key="2026-11-20",
            resources=resources,
            instance=instance,
        )
    assert res.success
    with console.capture() as cap:
        print_production_quality(Warehouse(db, lake_root=lake))
    out = cap.get()
    assert "2026-11-20" in out and "faithfulness" in out and "constraint.language" in out
    assert "95% CI" in out


class _FakeJudgeResource(JudgeResource):
    """Builds a stand-in judge with a fixed fingerprint (no model)."""

    def build(self, cache_root: str):
        return type("J", (), {"fingerprint": "fake-judge"})()


def test_production_judge_only_when_its_latest_calibration_passed(tmp_path):
    from evalpipe.defs.production.assets import _judge_if_calibrated

    lake = LakeResource(
        root=str(tmp_path / "lake"), cache_root=str(tmp_path / "c"), reports_root=str(tmp_path)
    )
    wh = WarehouseResource(path=str(tmp_path / "w.duckdb"), lake_root=str(tmp_path / "lake"))
    assert _judge_if_calibrated(JudgeResource(mode="off"), lake, wh) == (None, "judge is off")
    assert _judge_if_calibrated(_FakeJudgeResource(), lake, wh)[1] == "judge not calibrated yet"
    for calibrated, expect in ((False, "judge uncalibrated"), (True, "calibrated")):
        wh.get().replace_rows(
            "judge_calibration",
            pd.DataFrame([{"judge": "fake-judge", "calibrated": calibrated}]),
            {"judge": "fake-judge"},
        )
        j, state = _judge_if_calibrated(_FakeJudgeResource(), lake, wh)
        assert state == expect and (j is not None) == calibrated

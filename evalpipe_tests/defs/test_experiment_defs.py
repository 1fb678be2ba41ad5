"""metric_validity and production_experiment_report through Dagster on the planted sample data,
the gate's validity reasons, and the boundary alert sensor."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalpipe.defs.automation import sensors as automation_sensors
from evalpipe.defs.experiments import sensors as exp_sensors
from evalpipe.defs.experiments.assets import metric_validity, production_experiment_report
from evalpipe.defs.io import LakeIOManager
from evalpipe.defs.partitions import daily_partitions
from evalpipe.defs.resources import ConfigFilesResource, LakeResource, WarehouseResource
from evalpipe.logs.schema import LLM_CALL_SCHEMA
from evalpipe_tests.production.planted import planted_logs_and_scores

UPSTREAM = [
    dg.AssetSpec("scrubbed_logs", partitions_def=daily_partitions),
    dg.AssetSpec("production_scores", partitions_def=daily_partitions),
]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exp")
    lake = tmp / "lake"
    logs, scores = planted_logs_and_scores()
    for sub in ("scrubbed_logs", "production_scores"):
        (lake / sub).mkdir(parents=True)
    for day, g in logs.groupby("day"):
        pq.write_table(
            pa.Table.from_pandas(g[LLM_CALL_SCHEMA.names], schema=LLM_CALL_SCHEMA, preserve_index=False),
            lake / "scrubbed_logs" / f"{day}.parquet",
        )
    for day, g in scores.groupby("day"):
        pq.write_table(
            pa.Table.from_pandas(g, preserve_index=False), lake / "production_scores" / f"{day}.parquet"
        )
    pointer = dg.FilesystemIOManager(base_dir=str(tmp / "pointers"))
    res = {
        "io_manager": LakeIOManager(base_path=str(lake)),
        "pointer_io_manager": pointer,
        "warehouse": WarehouseResource(path=str(tmp / "w.duckdb"), lake_root=str(lake)),
        "lake": LakeResource(root=str(lake), cache_root=str(tmp / "cache"), reports_root=str(tmp / "rep")),
        "config_files": ConfigFilesResource(),
    }
    return res, tmp


def _q(db, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_validity_and_experiment_assets_write_stable_tables(env):
    res, tmp = env
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*UPSTREAM, metric_validity, production_experiment_report],
            resources=res,
            instance=instance,
            selection=["metric_validity", "production_experiment_report"],
        )
        assert result.success
        mats = {
            m.asset_key.to_user_string(): m
            for node in ("metric_validity", "production_experiment_report")
            for m in result.asset_materializations_for_node(node)
        }
        # the alert sensor sees the new verdict once
        ctx = dg.build_sensor_context(instance=instance)
        alerts = []
        orig = exp_sensors.send_alert
        exp_sensors.send_alert = lambda log, what, alert: alerts.append((what, alert))
        try:
            exp_sensors.experiment_boundary_sensor(ctx)
            exp_sensors.experiment_boundary_sensor(
                dg.build_sensor_context(instance=instance, cursor=ctx.cursor)
            )
        finally:
            exp_sensors.send_alert = orig
    verdicts = mats["metric_validity"].metadata["verdicts"].value
    assert verdicts["faithfulness"] == "predictive" and verdicts["answer_words"] == "not predictive"
    assert mats["production_experiment_report"].metadata["verdicts"].value == {"answer-style-2026-11": "harm"}
    assert "data:image/png;base64" in mats["production_experiment_report"].metadata["report"].value
    db = tmp / "w.duckdb"
    assert _q(db, "SELECT verdict FROM experiment_metrics WHERE metric = 'faithfulness'") == [("harm",)]
    assert _q(db, "SELECT count(*) FROM experiment_arms") == [(2,)]
    assert _q(db, "SELECT DISTINCT n_missing_variant > 0 FROM experiment_arms") == [(True,)]
    assert _q(db, "SELECT verdict FROM metric_validity_summary WHERE metric = 'faithfulness'") == [
        ("predictive",)
    ]
    assert _q(db, "SELECT count(DISTINCT day) FROM experiment_readings") == [(14,)]
    assert (tmp / "rep" / "experiments" / "answer-style-2026-11.md").exists()
    assert [a[0] for a in alerts] == ["experiment harm"]
    assert alerts[0][1]["experiment"] == "answer-style-2026-11"
    # the comparison report reads the latest validity summary for its gating metrics
    from evalpipe.defs.reports.assets import _gating_validity
    from evalpipe.reports.assemble import load_report_config

    cfg = load_report_config("data/report.yaml", baseline="b")
    table, warn, excluded = _gating_validity(res["warehouse"], cfg, "data/report.yaml")
    v = table.set_index("metric")["verdict"].to_dict()
    assert v["faithfulness"] == "predictive" and v["similarity"] == "no production data"
    assert "latency_ms" not in v  # informational metrics do not gate
    assert not warn and not excluded


def test_crossings_only_new_boundaries():
    assert exp_sensors.crossings({"a": "harm", "b": "keep running"}, {}) == [("a", "harm", None)]
    assert exp_sensors.crossings({"a": "harm"}, {"a": "harm"}) == []
    assert exp_sensors.crossings({"a": "ship"}, {"a": "keep running"}) == [("a", "ship", "keep running")]


def test_send_alert_logs_and_posts(monkeypatch):
    posted = []

    class Resp:
        def close(self):
            pass

    monkeypatch.setenv("EVALPIPE_ALERT_WEBHOOK_URL", "http://alerts.invalid/hook")
    monkeypatch.setattr(
        automation_sensors.urllib.request, "urlopen", lambda req, timeout: posted.append(req.data) or Resp()
    )

    class Log:
        lines: list = []

        def error(self, m):
            self.lines.append(m)

    log = Log()
    automation_sensors.send_alert(log, "experiment harm", {"experiment": "e"})
    assert log.lines and "ALERT experiment harm" in log.lines[0]
    assert json.loads(posted[0]) == {"alert": "experiment harm", "experiment": "e"}

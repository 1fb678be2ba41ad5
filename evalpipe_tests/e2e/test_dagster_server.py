"""End to end through the real webserver + daemon: launch over GraphQL, wait, read DuckDB."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalpipe.warehouse.duck import Warehouse

pytestmark = pytest.mark.slow


def test_ingest_job_through_graphql_and_daemon(dagster_server):
    run_id = dagster_server.launch("ingest_job", {"dagster/partition": "2026-11-16"})
    assert dagster_server.wait(run_id, timeout=300) == "SUCCESS"
    wh = Warehouse(Path(dagster_server.env["EVALPIPE_WAREHOUSE"]), lake_root=None)
    row = wh.query("SELECT read, accepted, quarantined, skipped FROM ingest_stats WHERE day = '2026-11-16'")
    assert row.iloc[0].tolist() == [472, 275, 2, 195]

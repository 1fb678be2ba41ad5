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


def test_integration_eval_chain_through_graphql_reaches_a_report(dagster_server):
    """Launch the nightly head job over GraphQL; the chain sensor carries it to the report in DuckDB."""
    import time

    run_id = dagster_server.launch(
        "integration_eval_job", {"dagster/partition": "2026-11-16", "evalpipe/chain": "nightly"}
    )
    assert dagster_server.wait(run_id, timeout=600) == "SUCCESS"
    wh = Warehouse(Path(dagster_server.env["EVALPIPE_WAREHOUSE"]), lake_root=None)
    deadline = time.time() + 900
    while time.time() < deadline:
        try:
            reports = wh.query("SELECT report_id, decision FROM reports")
            if len(reports):
                break
        except Exception:
            pass
        time.sleep(5)
    else:
        raise AssertionError("no report in DuckDB 15 minutes after the chain started")
    assert reports.iloc[0]["decision"] in ("block", "proceed", "undecided")
    n = wh.query("SELECT count(*) n FROM report_comparisons").iloc[0, 0]
    assert n > 0
    # The report rows commit while report_job is still finishing: wait for the run itself.
    wanted = {
        (job, "SUCCESS")
        for job in ("integration_eval_job", "eval_dataset_job", "system_eval_job", "report_job")
    }
    while True:
        runs = dagster_server.graphql("{ runsOrError { ... on Runs { results { jobName status } } } }")
        jobs = {(r["jobName"], r["status"]) for r in runs["runsOrError"]["results"]}
        if wanted <= jobs or time.time() > deadline:
            break
        time.sleep(3)
    assert wanted <= jobs, jobs


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test installs it)"
)
def test_ui_asset_graph_and_report_metadata_render_in_headless_chromium(dagster_server, tmp_path):
    """Loads the asset graph, the report's page (with its Markdown plots) and a check page in
    headless Chromium via Playwright; EVALPIPE_UPDATE_DOCS=1 copies the screenshots to docs/."""
    import os
    import shutil

    from evalpipe_tests.e2e.ui_screens import capture

    shots = capture(dagster_server.url, tmp_path)
    assert len(shots) == 4
    for shot in shots:
        assert shot.stat().st_size > 20_000, f"{shot.name}: an (almost) empty page"
        if os.environ.get("EVALPIPE_UPDATE_DOCS") == "1":
            shutil.copyfile(shot, Path(__file__).resolve().parents[2] / "docs" / shot.name)

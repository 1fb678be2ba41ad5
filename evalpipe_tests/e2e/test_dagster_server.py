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

    run_id = dagster_server.launch("integration_eval_job", {"dagster/partition": "2026-11-16",
                                                            "evalpipe/chain": "nightly"})
    assert dagster_server.wait(run_id, timeout=600) == "SUCCESS"
    wh = Warehouse(Path(dagster_server.env["EVALPIPE_WAREHOUSE"]), lake_root=None)
    deadline = time.time() + 900
    while time.time() < deadline:
        try:
            reports = wh.query("SELECT report_id, decision FROM reports")
            if len(reports):
                break
        except Exception:  # noqa: BLE001 - the table appears when the report job writes it
            pass
        time.sleep(5)
    else:
        raise AssertionError("no report in DuckDB 15 minutes after the chain started")
    assert reports.iloc[0]["decision"] in ("block", "proceed", "undecided")
    n = wh.query("SELECT count(*) n FROM report_comparisons").iloc[0, 0]
    assert n > 0
    runs = dagster_server.graphql("{ runsOrError { ... on Runs { results { jobName status } } } }")
    jobs = {(r["jobName"], r["status"]) for r in runs["runsOrError"]["results"]}
    for job in ("integration_eval_job", "eval_dataset_job", "system_eval_job", "report_job"):
        assert (job, "SUCCESS") in jobs, jobs


CHROMIUM = "/usr/bin/chromium"


def _screenshot(url: str, out: Path, tmp: Path) -> None:
    import subprocess

    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp / 'chromium-profile'}", "--window-size=1600,1000", "--hide-scrollbars",
                    "--virtual-time-budget=20000", f"--screenshot={out}", url],
                   check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test installs it)")
def test_ui_asset_graph_and_report_metadata_render_in_headless_chromium(dagster_server, tmp_path):
    """Loads the asset graph and the comparison report's page; saves screenshots (docs/ when asked)."""
    import os
    import shutil

    shots = {"docs/ui_asset_graph.png": "/asset-groups",
             "docs/ui_comparison_report.png": "/assets/comparison_report"}
    for name, path in shots.items():
        out = tmp_path / Path(name).name
        _screenshot(dagster_server.url + path, out, tmp_path)
        assert out.exists() and out.stat().st_size > 20_000, f"{path} rendered an (almost) empty page"
        if os.environ.get("EVALPIPE_UPDATE_DOCS") == "1":
            shutil.copyfile(out, Path(__file__).resolve().parents[2] / name)

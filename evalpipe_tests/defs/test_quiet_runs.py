"""A run prints only warnings a user can act on (issue 16): no Dagster beta notices from our
wiring, no warning per never-materialized daily partition."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd

from evalpipe.defs.io import LakeIOManager
from evalpipe.defs.partitions import ALLOW_MISSING

REPO = Path(__file__).resolve().parents[2]


def test_importing_the_wiring_emits_no_beta_warnings():
    # The order of a real run: load the definitions first (the loader imports the defs modules
    # inside a catch_warnings block), then run an asset body that uses a beta parameter.
    code = (
        "import dagster as dg, evalpipe.definitions as d\n"
        "d.defs()\n"
        "import evalpipe.defs.datasets.assets as m\n"
        "exec(compile('dg.Output(1, data_version=dg.DataVersion(\"v\"))', m.__file__, 'exec'), m.__dict__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run(
        [sys.executable, "-W", "always", "-c", code], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert res.returncode == 0, res.stderr
    assert "BetaWarning" not in res.stderr and "PreviewWarning" not in res.stderr, res.stderr


def test_unpartitioned_reader_skips_missing_days_without_warnings(tmp_path):
    days = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_date="2026-01-04")

    @dg.asset(partitions_def=days)
    def daily() -> pd.DataFrame:
        return pd.DataFrame({"x": [1]})

    @dg.asset(ins={"daily": dg.AssetIn(metadata=ALLOW_MISSING)})
    def total(daily: dict[str, pd.DataFrame]) -> pd.DataFrame:
        return pd.DataFrame({"days": [len(daily)]})

    resources = {"io_manager": LakeIOManager(base_path=str(tmp_path))}
    with dg.instance_for_test() as instance:
        dg.materialize([daily], partition_key="2026-01-02", resources=resources, instance=instance)
        res = dg.materialize([daily, total], selection=[total], resources=resources, instance=instance)
        assert res.success
        assert res.output_for_node("total")["days"].tolist() == [1]
        warnings = [
            e.user_message
            for e in instance.all_logs(res.run_id)
            if e.level >= 30 and "partition" in (e.user_message or "")
        ]
    assert warnings == []


def test_development_key_warning_prints_once():
    code = (
        "from evalpipe.pii.pseudonyms import resolve_key\n"
        "from evalpipe.pii.scrubber import Scrubber\n"
        "resolve_key(); resolve_key()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "EVALPIPE_PII_KEY"} | {"PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO)
    assert res.returncode == 0, res.stderr
    assert res.stderr.count("EVALPIPE_PII_KEY is not set") == 1, res.stderr

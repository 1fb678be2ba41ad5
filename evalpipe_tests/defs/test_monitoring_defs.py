"""The quality_drift asset and its no_quality_drift check, invoked directly on simulated days."""

from __future__ import annotations

import dagster as dg
import numpy as np

from evalpipe.defs.monitoring.assets import DriftConfig, quality_drift
from evalpipe.defs.resources import WarehouseResource
from evalpipe_tests.monitoring.test_quality import _fast_series


def _run(series, tmp_path):
    days = {d: g for d, g in series.groupby("day")}
    wh = WarehouseResource(path=str(tmp_path / "w.duckdb"), lake_root=str(tmp_path / "lake"))
    ctx = dg.build_asset_context()
    out = list(quality_drift(context=ctx, config=DriftConfig(), warehouse=wh, daily_quality=days))
    return out[0], out[1]


def test_stable_days_pass_and_a_current_error_drift_fails(tmp_path):
    rng = np.random.default_rng(21)
    output, check = _run(_fast_series(rng, 300), tmp_path)
    assert check.passed and output.metadata["alarms"].value == 0
    drifted = _fast_series(rng, 300)
    late = (drifted.metric == "error_rate") & (drifted.day >= "2026-02-10")
    drifted.loc[late, "value"] = 0.07  # 3% -> 7% over the last 12 days
    output, check = _run(drifted, tmp_path)
    assert not check.passed
    assert [a["metric"] for a in check.metadata["cusum_alarms"].value] == ["error_rate"]

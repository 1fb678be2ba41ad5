"""Failure mining: failed production calls and eval failures -> regression cases for the next dataset."""

import datetime as dt
import shutil
import warnings
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.partitions import ALLOW_MISSING, daily_partitions
from evalpipe.defs.resources import LakeResource, WarehouseResource
from evalpipe.mining.failures import (
    MiningConfig,
    eval_failures,
    mine,
    production_failures,
    to_regression_cases,
)
from evalpipe.suites import DatasetRef, append_regression_cases
from evalpipe.suites.regression import load_regression_cases

STARTER_REGRESSION = "data/regression/regression.yaml"


def promoted_regression_path(lake_root: str) -> Path:
    """The live regression file: the shipped starter, plus every case failure mining promoted."""
    path = Path(lake_root) / "regression" / "regression.yaml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STARTER_REGRESSION, path)
    return path


# `backfill_policy` is beta: Dagster attributes that warning to its own decorator module, so the
# package-level filter (evalpipe/defs/__init__.py) cannot catch it; silence it for this call only.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    _failure_cases_asset = dg.asset(
        partitions_def=daily_partitions,
        group_name="mining",
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"parquet"},
    )


@_failure_cases_asset
@fail_without_retry
def failure_cases(
    context: dg.AssetExecutionContext, lake: LakeResource, scrubbed_logs
) -> dg.MaterializeResult:
    """Candidates from one or many days of scrubbed logs (a single run covers a whole backfill range)."""
    frames = scrubbed_logs if isinstance(scrubbed_logs, dict) else {context.partition_key: scrubbed_logs}
    out_dir = Path(lake.root) / "failure_cases"
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for day, table in sorted(frames.items()):
        cands = production_failures(table.to_pandas() if isinstance(table, pa.Table) else table)
        cands.to_parquet(
            out_dir / f"{day}.parquet", index=False
        )  # one file per day: reruns replace, never add
        counts[day] = len(cands)
    return dg.MaterializeResult(
        metadata={"candidates_by_day": dg.MetadataValue.json(counts), "candidates": sum(counts.values())}
    )


@dg.asset(
    group_name="mining",
    deps=["failure_cases"],
    kinds={"duckdb"},
    pool="duckdb_writer",
    ins={"example_metrics": dg.AssetIn(metadata=ALLOW_MISSING)},
)
@fail_without_retry
def regression_promotions(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    warehouse: WarehouseResource,
    eval_dataset: DatasetRef,
    example_metrics: dict[str, pd.DataFrame] | None,
) -> pd.DataFrame:
    """Dedup (MinHash) against existing regression cases, cluster by root cause, promote; the next
    eval_dataset version picks the promoted cases up as its regression partition."""
    files = sorted((Path(lake.root) / "failure_cases").glob("*.parquet"))
    production = (
        pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame()
    )
    version = eval_dataset.version
    # No system scored yet (no `systems` partition) -> production failures only.
    metrics = [m[m["dataset_version"] == version] for m in (example_metrics or {}).values() if len(m)]
    evals = (
        eval_failures(pd.concat(metrics, ignore_index=True), eval_dataset.load(), MiningConfig())
        if metrics
        else pd.DataFrame()
    )
    path = promoted_regression_path(lake.root)
    mined = mine(
        pd.concat([production, evals], ignore_index=True), load_regression_cases(path), MiningConfig()
    )
    added = append_regression_cases(
        to_regression_cases(mined[mined["accepted"]], dt.date.today().isoformat()), path=path
    )
    with warehouse.writer() as con:
        warehouse.get().replace_rows("failure_mining_candidates", mined, {}, con=con)
    context.add_output_metadata(
        {
            "candidates": len(mined),
            "accepted": int(mined["accepted"].sum()),
            "added_to_regression": len(added),
            "regression_file": dg.MetadataValue.path(str(path)),
            "by_root_cause": dg.MetadataValue.json(
                mined.groupby("root_cause")["accepted"].agg(["count", "sum"]).astype(int).to_dict("index")
                if len(mined)
                else {}
            ),
        }
    )
    return mined

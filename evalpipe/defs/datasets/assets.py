"""Features, stratified samples and versioned eval datasets."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.partitions import ALLOW_MISSING, daily_partitions
from evalpipe.defs.resources import ConfigFilesResource, LakeResource
from evalpipe.sampling import SamplingConfig, strata_table
from evalpipe.sampling import log_features as compute_features
from evalpipe.sampling import stratified_sample as draw_sample
from evalpipe.suites import (
    DatasetBuildConfig,
    DatasetRef,
    dataset_card,
    diff_versions,
    list_versions,
    materialize_eval_dataset,
)


@dg.asset(partitions_def=daily_partitions, group_name="datasets", kinds={"parquet"})
@fail_without_retry
def log_features(context: dg.AssetExecutionContext, scrubbed_logs: pa.Table) -> pd.DataFrame:
    """Language, intent, length bucket, feedback, error class and content hash per scrubbed call."""
    feats = compute_features(scrubbed_logs.to_pandas())
    context.add_output_metadata(
        {
            "dagster/row_count": len(feats),
            "features_version": str(feats["features_version"].iloc[0]) if len(feats) else "",
            "intents": dg.MetadataValue.json(feats["intent"].value_counts().to_dict() if len(feats) else {}),
            "languages": dg.MetadataValue.json(
                feats["language"].value_counts().to_dict() if len(feats) else {}
            ),
        }
    )
    return feats


@dg.asset(partitions_def=daily_partitions, group_name="datasets", kinds={"parquet"})
@fail_without_retry
def stratified_sample(
    context: dg.AssetExecutionContext, config_files: ConfigFilesResource, log_features: pd.DataFrame
) -> pd.DataFrame:
    """Dedup, strata, allocation, salted bottom-k draw; design weights N_h/n_h per row."""
    sample = draw_sample(log_features, SamplingConfig.from_yaml(config_files.sampling))
    strata = strata_table(sample) if len(sample) else pd.DataFrame()
    context.add_output_metadata(
        {
            "dagster/row_count": len(sample),
            "population_after_dedup": float(sample["design_weight"].sum()),
            "strata": len(strata),
            "strata_table": dg.MetadataValue.md(strata.head(40).to_markdown(index=False))
            if len(strata)
            else "",
        }
    )
    return sample


class EvalDatasetConfig(dg.Config):
    window_days: int = 1  # nightly: yesterday only; widen for a bigger distribution partition
    end_day: str | None = None  # default: the latest day that has a sample


@dg.asset(
    group_name="datasets",
    io_manager_key="pointer_io_manager",
    kinds={"parquet"},
    ins={
        "scrubbed_logs": dg.AssetIn(metadata=ALLOW_MISSING),
        "stratified_sample": dg.AssetIn(metadata=ALLOW_MISSING),
    },
)
@fail_without_retry
def eval_dataset(
    context: dg.AssetExecutionContext,
    config: EvalDatasetConfig,
    lake: LakeResource,
    config_files: ConfigFilesResource,
    scrubbed_logs: dict[str, pa.Table],
    stratified_sample: dict[str, pd.DataFrame],
) -> dg.Output[DatasetRef]:
    """Golden + regression + adversarial + distribution, immutable under eval_dataset/<version>/."""
    days = sorted(d for d in stratified_sample if d in scrubbed_logs)
    end = config.end_day or (days[-1] if days else None)
    window = [d for d in days if end and d <= end][-config.window_days :]
    if not window:
        raise dg.Failure(
            description="no sampled day in the window: materialize integration_eval_job "
            "(raw_logs -> ... -> stratified_sample) for at least one day first",
            allow_retries=False,
        )
    scrubbed = (
        pd.concat([scrubbed_logs[d].to_pandas() for d in window], ignore_index=True)
        if window
        else pd.DataFrame()
    )
    sample = (
        pd.concat([stratified_sample[d] for d in window], ignore_index=True) if window else pd.DataFrame()
    )
    root = Path(lake.root)
    before = [v["version"] for v in list_versions(root)]
    from evalpipe.defs.mining.assets import promoted_regression_path

    build = DatasetBuildConfig(regression_path=str(promoted_regression_path(lake.root)))
    result, _ = materialize_eval_dataset(
        root,
        scrubbed_df=scrubbed,
        sampling_config=SamplingConfig.from_yaml(config_files.sampling),
        sample_df=sample,
        source_partitions=window,
        build_config=build,
    )
    card = dataset_card(root, result.version)
    previous = next((v for v in reversed(before) if v != result.version), None)
    diff = diff_versions(root, previous, result.version) if previous else None
    return dg.Output(
        DatasetRef.written(root, result, window),
        data_version=dg.DataVersion(result.version),
        metadata={
            "version": result.version,
            "created": result.created,
            "window": dg.MetadataValue.json(window),
            "dataset_path": dg.MetadataValue.path(str(result.path)),
            "card": dg.MetadataValue.json(card),
            "diff_vs_previous": dg.MetadataValue.json(diff or {"previous": None}),
        },
    )

"""Model outputs and hidden states, one partition per system under test."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from evalpipe.defs.failures import fail_without_retry
from evalpipe.defs.inference.partitions import systems_partitions
from evalpipe.defs.inference.resources import SystemsResource
from evalpipe.defs.resources import LakeResource
from evalpipe.inference import run_hidden_states, run_inference
from evalpipe.inference.examples import dataset_examples
from evalpipe.suites import DatasetRef


@dg.asset(
    partitions_def=systems_partitions,
    group_name="inference",
    kinds={"parquet", "pytorch"},
    pool="model",
    op_tags={"evalpipe/accelerator": "cpu-or-gpu"},
)
@fail_without_retry
def model_outputs(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    systems: SystemsResource,
    eval_dataset: DatasetRef,
) -> pd.DataFrame:
    """Batched generation for every dataset example; cached by (system fingerprint, example hash)."""
    system = systems.spec(context.partition_key)
    dataset = eval_dataset.load()
    outputs, stats = run_inference(
        system, dataset_examples(dataset), Path(lake.cache_root) / "inference", progress=False
    )
    outputs = outputs.assign(system=system.name, dataset_version=eval_dataset.version)
    n = max(stats["n"], 1)
    context.add_output_metadata(
        {
            "dagster/row_count": len(outputs),
            "dataset_version": eval_dataset.version,
            "fingerprint": system.fingerprint,
            "backend": system.backend,
            "model": system.model,
            "cache_hit_rate": stats["cache_hits"] / n,
            "generated": stats["generated"],
            "failures": stats["failures"],
            "generated_tokens": stats["generated_tokens"],
            "tokens_per_s": float(stats["tokens_per_s"] or 0.0),
            "truncated_prompts": int(
                outputs.get("truncated_prompt", pd.Series(dtype=bool)).fillna(False).sum()
            ),
        }
    )
    return outputs


@dg.asset(
    partitions_def=systems_partitions, group_name="inference", kinds={"parquet", "pytorch"}, pool="model"
)
@fail_without_retry
def hidden_states(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    systems: SystemsResource,
    model_outputs: pd.DataFrame,
) -> pa.Table:
    """One teacher-forced pass over prompt+completion ids; every layer reduced three ways, float16."""
    system = systems.spec(context.partition_key)
    table, stats = run_hidden_states(system, model_outputs, Path(lake.cache_root) / "hidden")
    context.add_output_metadata(
        {
            "dagster/row_count": table.num_rows,
            "layer_convention": (table.schema.metadata or {}).get(b"layer_convention", b"").decode(),
            **{k: v for k, v in stats.items() if isinstance(v, (int, float, str))},
        }
    )
    return table

"""Append-only output cache keyed by (system fingerprint, example content hash).

Layout (hive-style, DuckDB can glob it)::

    <cache_dir>/outputs/fingerprint=<fp>/part-<utc>-<uuid>.parquet     one shard per finished batch
    <cache_dir>/hidden/fingerprint=<fp>/layers=<key>/part-...parquet

Why shards: each batch is made durable the moment it finishes (write to a temp name, then an
atomic rename), so a killed run loses at most the batch in flight and a rerun skips everything
already written. Nothing is ever rewritten; the newest successful row per key wins on read.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("fingerprint", pa.string()),
        pa.field("system_name", pa.string()),
        pa.field("backend", pa.string()),
        pa.field("model", pa.string()),
        pa.field("example_id", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("text", pa.string()),
        pa.field("prompt_token_ids", pa.list_(pa.int32())),
        pa.field("completion_token_ids", pa.list_(pa.int32())),
        pa.field("finish_reason", pa.string()),
        pa.field("latency_ms", pa.float64()),
        pa.field("input_tokens", pa.int64()),
        pa.field("output_tokens", pa.int64()),
        pa.field("cost_usd", pa.float64()),
        pa.field("error", pa.string()),
        pa.field("truncated_prompt", pa.bool_()),
        pa.field("mean_logprob", pa.float64()),
        pa.field("attempts", pa.int64()),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
    ]
)


def write_shard(directory: Path, table: pa.Table) -> Path:
    """Durably add one Parquet shard (temp file + fsync + atomic rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"part-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:12]}.parquet"
    tmp = directory / f".{name}.tmp"
    pq.write_table(table, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, directory / name)
    return directory / name


def read_shards(directory: Path, schema: pa.Schema | None = None) -> pa.Table | None:
    files = sorted(p for p in directory.glob("part-*.parquet")) if directory.is_dir() else []
    if not files:
        return None
    return pa.concat_tables([pq.read_table(f, schema=schema) for f in files])


class OutputCache:
    """Generation outputs of one system (one fingerprint)."""

    def __init__(self, cache_dir: str | Path, fingerprint: str):
        self.fingerprint = fingerprint
        self.dir = Path(cache_dir) / "outputs" / f"fingerprint={fingerprint}"

    def load(self) -> pd.DataFrame:
        """Latest successful row per content_hash (errors are kept on disk but retried)."""
        table = read_shards(self.dir, OUTPUT_SCHEMA)
        if table is None:
            return pd.DataFrame(columns=OUTPUT_SCHEMA.names)
        df = table.to_pandas()
        df = df[df["finish_reason"] != "error"].sort_values("created_at", kind="stable")
        return df.drop_duplicates("content_hash", keep="last").reset_index(drop=True)

    def append(self, rows: list[dict]) -> Path | None:
        if not rows:
            return None
        return write_shard(self.dir, pa.Table.from_pylist(rows, schema=OUTPUT_SCHEMA))

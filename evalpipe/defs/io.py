"""Parquet lake IO manager on UPath: local folders by default, any fsspec URL (s3://...) by config."""

from __future__ import annotations

import typing
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath


class ParquetUPathIOManager(dg.UPathIOManager):
    """One Parquet file per asset partition: `<base>/<asset>/<partition>.parquet`.

    Stores Arrow tables (pandas frames are converted); loads Arrow tables.  Files are written
    with fixed settings and no wall-clock metadata so that the same data gives the same bytes.
    """

    extension = ".parquet"

    def dump_to_path(self, context: dg.OutputContext, obj: Any, path: UPath) -> None:
        table = obj if isinstance(obj, pa.Table) else pa.Table.from_pandas(obj, preserve_index=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as f:
            pq.write_table(table, f, compression="zstd", write_statistics=True)
        tmp.rename(path)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pa.Table | pd.DataFrame:
        with path.open("rb") as f:
            table = pq.read_table(f)
        return table.to_pandas() if _wants_pandas(context) else table


def _wants_pandas(context: dg.InputContext) -> bool:
    """Inputs annotated `pd.DataFrame` (or `dict[str, pd.DataFrame]` for many partitions) get pandas."""
    typ = getattr(getattr(context, "dagster_type", None), "typing_type", None)

    def has_frame(t: Any) -> bool:
        return t is pd.DataFrame or any(has_frame(a) for a in typing.get_args(t))

    return has_frame(typ)


class LakeIOManager(dg.ConfigurableIOManagerFactory):
    """The clean lake (`data/lake`) or, with another base path, the restricted raw zone."""

    base_path: str = "data/lake"

    def create_io_manager(self, context: dg.InitResourceContext) -> ParquetUPathIOManager:
        return ParquetUPathIOManager(base_path=UPath(self.base_path))


def to_pandas(table: pa.Table | pd.DataFrame) -> pd.DataFrame:
    return table if isinstance(table, pd.DataFrame) else table.to_pandas()

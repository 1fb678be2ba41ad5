"""Resources with stable keys; implementations change by environment through env vars."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg
import duckdb

from evalpipe.defs.io import LakeIOManager
from evalpipe.defs.metrics.resources import JudgeResource
from evalpipe.logs.ingest import SourceConfig
from evalpipe.warehouse.duck import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse: one writer at a time (assets writing it use pool `duckdb_writer`)."""

    path: str = "data/warehouse/evalpipe.duckdb"
    lake_root: str = "data/lake"

    def get(self) -> Warehouse:
        return Warehouse(self.path, lake_root=self.lake_root)

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.get().writer() as con:
            yield con


class LakeResource(dg.ConfigurableResource):
    """Roots for files that domain code manages itself (versioned datasets, caches, rendered reports)."""

    root: str = "data/lake"
    cache_root: str = "data/cache"
    reports_root: str = "data/reports"


class LogSourceResource(dg.ConfigurableResource):
    """Where raw logs are read from (`data/log_sources.yaml`, overridable by env)."""

    config_path: str = "data/log_sources.yaml"
    source_root: str | None = None

    def config(self) -> SourceConfig:
        cfg = SourceConfig.load(self.config_path)
        if self.source_root:
            cfg.source_root = self.source_root
        return cfg


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "io_manager": LakeIOManager(base_path=dg.EnvVar("EVALPIPE_LAKE").get_value("data/lake")),
            "restricted_io_manager": LakeIOManager(
                base_path=dg.EnvVar("EVALPIPE_RESTRICTED").get_value("data/restricted")
            ),
            "warehouse": WarehouseResource(
                path=dg.EnvVar("EVALPIPE_WAREHOUSE").get_value("data/warehouse/evalpipe.duckdb"),
                lake_root=dg.EnvVar("EVALPIPE_LAKE").get_value("data/lake"),
            ),
            "log_source": LogSourceResource(),
            "judge": JudgeResource(mode=dg.EnvVar("EVALPIPE_JUDGE_MODE").get_value("local")),
            "lake": LakeResource(
                root=dg.EnvVar("EVALPIPE_LAKE").get_value("data/lake"),
                cache_root=dg.EnvVar("EVALPIPE_CACHE").get_value("data/cache"),
                reports_root=dg.EnvVar("EVALPIPE_REPORTS").get_value("data/reports"),
            ),
            # Small pointers (dataset version ids, paths) between unpartitioned assets.
            "pointer_io_manager": dg.FilesystemIOManager(
                base_dir=dg.EnvVar("EVALPIPE_CACHE").get_value("data/cache") + "/pointers"
            ),
        }
    )

"""Resources with stable keys; their fields come from `evalpipe.settings` when the definitions load."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg
import duckdb

from evalpipe.defs.inference.resources import SystemsResource
from evalpipe.defs.io import LakeIOManager
from evalpipe.defs.metrics.resources import JudgeResource
from evalpipe.logs.ingest import SourceConfig
from evalpipe.settings import Settings, load_settings
from evalpipe.warehouse.duck import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse: one writer at a time (assets writing it use pool `duckdb_writer`)."""

    path: str = Settings().warehouse
    lake_root: str = Settings().lake

    def get(self) -> Warehouse:
        return Warehouse(self.path, lake_root=self.lake_root)

    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.get().writer() as con:
            yield con


class LakeResource(dg.ConfigurableResource):
    """Roots for files that domain code manages itself (versioned datasets, caches, rendered reports)."""

    root: str = Settings().lake
    cache_root: str = Settings().cache
    reports_root: str = Settings().reports


class LogSourceResource(dg.ConfigurableResource):
    """Where raw logs are read from (`Settings.log_sources`, `Settings.source_root`)."""

    config_path: str = Settings().log_sources
    source_root: str | None = None

    def config(self) -> SourceConfig:
        cfg = SourceConfig.load(self.config_path)
        if self.source_root:
            cfg.source_root = self.source_root
        return cfg


class ConfigFilesResource(dg.ConfigurableResource):
    """The YAML files of this deployment (validated by `evalpipe.config` when read).

    `systems.yaml` is not here: `SystemsResource` (resource key `systems`) reads it.
    """

    metrics: str = Settings().metrics
    report: str = Settings().report
    sampling: str = Settings().sampling
    pii: str = Settings().pii
    production_scores: str = Settings().production_scores
    metric_validity: str = Settings().metric_validity
    experiments: str = Settings().experiments


def resources_from(settings: Settings) -> dict[str, object]:
    """Every resource of the code location, built from one Settings value."""
    return {
        "io_manager": LakeIOManager(base_path=settings.lake),
        "restricted_io_manager": LakeIOManager(base_path=settings.restricted),
        "warehouse": WarehouseResource(path=settings.warehouse, lake_root=settings.lake),
        "log_source": LogSourceResource(config_path=settings.log_sources, source_root=settings.source_root),
        "judge": JudgeResource(mode=settings.judge_mode, metrics_config=settings.metrics),
        "lake": LakeResource(root=settings.lake, cache_root=settings.cache, reports_root=settings.reports),
        "systems": SystemsResource(path=settings.systems),
        "config_files": ConfigFilesResource(
            metrics=settings.metrics,
            report=settings.report,
            sampling=settings.sampling,
            pii=settings.pii,
            production_scores=settings.production_scores,
            metric_validity=settings.metric_validity,
            experiments=settings.experiments,
        ),
        # Small pointers (dataset version ids, paths) between unpartitioned assets.
        "pointer_io_manager": dg.FilesystemIOManager(base_dir=settings.cache + "/pointers"),
    }


@dg.definitions
def resources() -> dg.Definitions:
    """Settings are read here, when the definitions load, never at import."""
    return dg.Definitions(resources=resources_from(load_settings()))

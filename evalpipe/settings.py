"""Where evalpipe finds things: every path and environment variable, with one default each.

One documented field per setting (the way inspect_ai's `GenerateConfig` documents each option).
Nothing here runs at import: `load_settings()` reads the environment when it is called, so a test
can change a variable and call it again without a fresh interpreter.  Secrets are not settings:
the code that needs one reads its variable at the moment of use (`EVALPIPE_PII_KEY`,
`evalpipe.pii.pseudonyms.KEY_ENV_VAR`; the judge's and endpoints' `api_key_env`; the alert
sensor's `EVALPIPE_ALERT_WEBHOOK_URL`), as do two machine-local caches (`EVALPIPE_MODELS_DIR`,
`EVALPIPE_CACHE_DIR`).

The YAML files named here are validated by the models in `evalpipe.config`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

# The shipped sample logs start here.  The daily partitions definition is part of the asset graph
# (code, built at import), so its first day is a constant, not an environment variable.
FIRST_DAY = "2026-11-16"


def _setting(default: Any, env: str, doc: str) -> Any:
    return Field(default, description=doc, json_schema_extra={"env": env})


class Settings(BaseModel):
    """Paths and modes of one deployment; each field's `env` names the variable that overrides it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lake: str = _setting("data/lake", "EVALPIPE_LAKE", "clean Parquet lake (local folder or fsspec URL)")
    restricted: str = _setting(
        "data/restricted", "EVALPIPE_RESTRICTED", "restricted zone: unscrubbed canonical rows"
    )
    warehouse: str = _setting(
        "data/warehouse/evalpipe.duckdb", "EVALPIPE_WAREHOUSE", "live DuckDB warehouse file"
    )
    cache: str = _setting("data/cache", "EVALPIPE_CACHE", "output/judge caches and pointer files")
    reports: str = _setting("data/reports", "EVALPIPE_REPORTS", "rendered Markdown/HTML reports")
    log_sources: str = _setting(
        "data/log_sources.yaml", "EVALPIPE_LOG_SOURCES", "where raw logs live and how to read them"
    )
    source_root: str | None = _setting(
        None, "EVALPIPE_SOURCE_ROOT", "overrides `source_root` of log_sources.yaml"
    )
    systems: str = _setting("data/systems.yaml", "EVALPIPE_SYSTEMS", "systems under test")
    pii: str = _setting(
        "data/pii.yaml",
        "EVALPIPE_PII_CONFIG",
        "scrubber settings (used by scrubbing and by the no_pii metric)",
    )
    metrics: str = _setting(
        "data/metrics.yaml", "EVALPIPE_METRICS_CONFIG", "metrics per partition, judge settings"
    )
    report: str = _setting(
        "data/report.yaml", "EVALPIPE_REPORT_CONFIG", "report metrics, tolerances and gate settings"
    )
    sampling: str = _setting("data/sampling.yaml", "EVALPIPE_SAMPLING_CONFIG", "distribution sample design")
    production_scores: str = _setting(
        "data/production_scores.yaml",
        "EVALPIPE_PRODUCTION_SCORES_CONFIG",
        "reference-free scoring of production calls",
    )
    metric_validity: str = _setting(
        "data/metric_validity.yaml",
        "EVALPIPE_METRIC_VALIDITY_CONFIG",
        "metric validity against user outcomes",
    )
    experiments: str = _setting(
        "data/experiments.yaml", "EVALPIPE_EXPERIMENTS_CONFIG", "declared production experiments"
    )
    judge_mode: Literal["local", "endpoint", "off"] = _setting(
        "local", "EVALPIPE_JUDGE_MODE", "local model, the metrics.yaml endpoint, or no judge"
    )

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """field -> environment variable name."""
        return {
            name: cast("dict[str, str]", f.json_schema_extra)["env"] for name, f in cls.model_fields.items()
        }


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults, overridden by whichever of the documented variables are set (read now, not at import)."""
    env = os.environ if environ is None else environ
    values = {name: env[var] for name, var in Settings.env_names().items() if env.get(var)}
    from evalpipe.errors import ConfigError

    try:
        return Settings(**values)
    except ValueError as e:  # pydantic's ValidationError is a ValueError
        raise ConfigError(f"invalid environment setting: {e}") from e

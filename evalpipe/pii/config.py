"""Scrubber settings from YAML (`data/pii.yaml`), validated before any engine loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalpipe.config import PiiFile, read_yaml, validate_config
from evalpipe.pii.scrubber import ScrubberConfig
from evalpipe.settings import load_settings


def load_scrubber_config(path: str | Path | None = None) -> ScrubberConfig:
    """The scrubber settings of `path` (default: the configured pii.yaml, `Settings.pii`)."""
    path = path or load_settings().pii
    raw: dict[str, Any] = read_yaml(path)
    validate_config(raw, PiiFile, path)  # unknown keys / operators: ConfigError naming file and key
    kw: dict[str, Any] = dict(raw)
    if "operators" in kw:
        kw["operators"] = tuple(sorted((str(k), str(v)) for k, v in (kw["operators"] or {}).items()))
    for name in ("allow_terms", "entities", "id_fields"):
        if name in kw:
            kw[name] = tuple(kw[name] or ())
    return ScrubberConfig(**kw)

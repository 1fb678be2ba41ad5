"""Scrubber settings from YAML (`data/pii.yaml`), validated before any engine loads."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from evalpipe.pii.scrubber import ScrubberConfig


def load_scrubber_config(path: str | Path = "data/pii.yaml") -> ScrubberConfig:
    raw: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    known = {f.name for f in fields(ScrubberConfig)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{path}: unknown scrubber settings {sorted(unknown)}; known: {sorted(known)}")
    kw: dict[str, Any] = dict(raw)
    if "operators" in kw:
        kw["operators"] = tuple(sorted((str(k), str(v)) for k, v in (kw["operators"] or {}).items()))
    for name in ("allow_terms", "entities", "id_fields"):
        if name in kw:
            kw[name] = tuple(kw[name] or ())
    return ScrubberConfig(**kw)

"""Shared fixtures. Tests never touch the repo's data/lake or warehouse: everything goes to tmp."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture()
def repo() -> Path:
    return REPO


@pytest.fixture()
def source_config():
    from evalpipe.logs.ingest import SourceConfig

    return SourceConfig.load(DATA / "log_sources.yaml")

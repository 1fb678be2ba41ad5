"""`DatasetRef`: the typed hand-off from `eval_dataset` to everything that reads a dataset version.

Assets pass this small pointer, never the frame itself: the frame is immutable Parquet under
`<root>/eval_dataset/<version>/`, so a consumer loads it once, when it needs it, with `load()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evalpipe.suites.schema import PARTITIONS
from evalpipe.suites.versioning import DATASET_DIR, WriteResult, load_dataset


@dataclass(frozen=True)
class DatasetRef:
    """Which dataset version, where it lives, and which source days (partitions) it was drawn from."""

    version: str
    root: str
    path: str
    window: tuple[str, ...] = ()

    @classmethod
    def written(
        cls, root: str | Path, result: WriteResult, window: list[str] | tuple[str, ...]
    ) -> DatasetRef:
        """The reference to a version that `materialize_eval_dataset` has just written (or found)."""
        return cls(version=result.version, root=str(root), path=str(result.path), window=tuple(window))

    @classmethod
    def at(cls, root: str | Path, version: str) -> DatasetRef:
        """A reference to an existing version by id (tests, notebooks); the window is not recorded."""
        return cls(version=version, root=str(root), path=str(Path(root) / DATASET_DIR / version))

    def load(self, partitions: tuple[str, ...] = PARTITIONS) -> pd.DataFrame:
        """Every example of this version (sorted by example_id), read from the lake."""
        return load_dataset(self.root, self.version, partitions)

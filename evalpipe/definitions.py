"""Dagster entry point: everything under `evalpipe/defs/` is loaded from the folder."""

from pathlib import Path

import dagster as dg

# Imported here, not first by the loader: `load_from_defs_folder` imports modules inside a
# `warnings.catch_warnings()` block, which would discard the warning filters the package installs.
import evalpipe.defs  # noqa: F401


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)

"""Eval suites: golden, regression, adversarial and distribution partitions, versioned (no Dagster)."""

from evalpipe.suites.adversarial import adversarial_rows
from evalpipe.suites.builder import (
    DatasetBuildConfig,
    PIIResidueError,
    build_eval_dataset,
    check_pii,
    materialize_eval_dataset,
)
from evalpipe.suites.distribution import UnscrubbedInputError, distribution_rows
from evalpipe.suites.golden import COMPUTE, GoldenFileError, golden_rows
from evalpipe.suites.ref import DatasetRef
from evalpipe.suites.regression import append_regression_cases, load_regression_cases, regression_rows
from evalpipe.suites.schema import EVAL_COLUMNS, EVAL_SCHEMA, PARTITIONS, make_row
from evalpipe.suites.versioning import (
    VersionConflictError,
    WriteResult,
    dataset_card,
    dataset_version,
    diff_versions,
    list_versions,
    load_dataset,
    read_manifest,
    write_dataset_version,
)

__all__ = [
    "COMPUTE",
    "EVAL_COLUMNS",
    "EVAL_SCHEMA",
    "PARTITIONS",
    "DatasetBuildConfig",
    "DatasetRef",
    "GoldenFileError",
    "PIIResidueError",
    "UnscrubbedInputError",
    "VersionConflictError",
    "WriteResult",
    "adversarial_rows",
    "append_regression_cases",
    "build_eval_dataset",
    "check_pii",
    "dataset_card",
    "dataset_version",
    "diff_versions",
    "distribution_rows",
    "golden_rows",
    "list_versions",
    "load_dataset",
    "load_regression_cases",
    "make_row",
    "materialize_eval_dataset",
    "read_manifest",
    "regression_rows",
    "write_dataset_version",
]

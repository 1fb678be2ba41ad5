"""Checks that keep the two-layer design honest (issue 16)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg
import pytest

from evalpipe.definitions import defs
from evalpipe.defs.failures import fail_without_retry
from evalpipe.errors import ConfigError, EvalpipeError

REPO = Path(__file__).resolve().parents[2]
RUFF = REPO / ".venv" / "bin" / "ruff"


def test_every_asset_translates_domain_errors():
    unwrapped = [
        sorted(k.to_user_string() for k in a.keys)
        for a in defs().assets
        if not getattr(a.node_def.compute_fn.decorated_fn, "fails_without_retry", False)
    ]
    assert unwrapped == []


def test_config_error_becomes_a_failure_that_is_not_retried():
    @fail_without_retry
    def body(x: int) -> int:
        if x:
            raise ConfigError("data/x.yaml: unknown key 'y'", file="data/x.yaml", key="y")
        return 1

    assert body(0) == 1
    with pytest.raises(dg.Failure) as info:
        body(1)
    failure = info.value
    assert failure.allow_retries is False and "unknown key 'y'" in failure.description
    assert failure.metadata["key"].value == "y" and failure.metadata["file"].value == "data/x.yaml"


def test_other_errors_propagate_unchanged():
    @fail_without_retry
    def body() -> None:
        raise OSError("disk")

    with pytest.raises(OSError):
        body()
    assert issubclass(ConfigError, EvalpipeError) and issubclass(ConfigError, ValueError)


def test_failure_in_a_run_is_not_retried():
    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=2))
    @fail_without_retry
    def broken() -> int:
        raise ConfigError("data/metrics.yaml: unknown key 'judge.kapa_floor'")

    result = dg.materialize([broken], raise_on_error=False)
    assert not result.success
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retries == []


@pytest.mark.skipif(not RUFF.exists(), reason="ruff not installed")
@pytest.mark.parametrize(
    "path,banned",
    [
        ("evalpipe/stats/new_module.py", True),
        ("evalpipe/metrics/new_module.py", True),
        ("evalpipe/defs/reports/new_module.py", False),
        ("evalpipe/demo.py", False),
    ],
)
def test_dagster_import_is_banned_outside_the_wiring(path, banned):
    res = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--select", "TID251", "--stdin-filename", path, "-"],
        input="import dagster as dg\n\nx = dg\n",
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert ("TID251" in res.stdout) is banned, res.stdout + res.stderr

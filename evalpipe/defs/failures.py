"""The one place where domain errors become Dagster failures.

`EvalpipeError` (a bad configuration file, a broken invariant) does not get better on a retry, so
an asset that raises one fails with `dg.Failure(allow_retries=False)` and the error's text as its
description; anything else (a bug, a flaky disk) propagates unchanged and keeps Dagster's retry
policy.  Every asset of the defs folder is decorated with `fail_without_retry` (a test checks
that none is missing), so no asset body needs its own try/except.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import dagster as dg

from evalpipe.errors import ConfigError, EvalpipeError

F = TypeVar("F", bound=Callable[..., Any])


def as_failure(error: EvalpipeError) -> dg.Failure:
    metadata: dict[str, Any] = {"error_type": type(error).__name__}
    if isinstance(error, ConfigError):
        metadata.update({k: v for k, v in (("file", error.file), ("key", error.key)) if v})
    return dg.Failure(description=str(error), metadata=metadata, allow_retries=False)


def fail_without_retry(fn: F) -> F:
    """Wrap an asset/op body: EvalpipeError -> non-retried dg.Failure (signature kept for Dagster)."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return (yield from fn(*args, **kwargs))
            except EvalpipeError as e:
                raise as_failure(e) from e

        gen_wrapper.fails_without_retry = True  # type: ignore[attr-defined]
        return gen_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EvalpipeError as e:
            raise as_failure(e) from e

    wrapper.fails_without_retry = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]

"""The project's error base.

Domain code raises these (or subclasses); the Dagster layer translates them once into a
non-retried `dg.Failure` (evalpipe/defs/failures.py): a bad configuration file or a broken
invariant does not get better on a retry.
"""

from __future__ import annotations


class EvalpipeError(Exception):
    """Base of every error evalpipe raises on purpose (as opposed to a bug or a library error)."""


class ConfigError(EvalpipeError, ValueError):
    """A configuration file or setting is invalid; the message names the file, the key and what
    is allowed.  A ValueError too, so callers that caught ValueError from the old loaders still do."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        super().__init__(message)
        self.file = file
        self.key = key

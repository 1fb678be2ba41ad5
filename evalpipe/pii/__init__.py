"""PII and secret scrubbing for `llm_call` rows: Presidio + project recognizers, keyed pseudonyms.

No Dagster here.  Entry points: `scrub_table` (batch, fail closed), `Scrubber` (one engine,
text/record level), `scan_residue` (independent check for the `no_pii_left` asset check).
"""

from evalpipe.pii.pseudonyms import DEV_DEFAULT_KEY, KEY_ENV_VAR, pseudonym, resolve_key
from evalpipe.pii.residue import Finding, residue_known_values, scan_residue, scan_table_residue
from evalpipe.pii.scrubber import (
    DEFAULT_ENTITIES,
    DEFAULT_MODEL,
    SCRUBBER_VERSION,
    ModelNotInstalledError,
    Scrubber,
    ScrubberConfig,
    ScrubTableResult,
    scrub_table,
)

__all__ = [
    "DEFAULT_ENTITIES",
    "DEFAULT_MODEL",
    "DEV_DEFAULT_KEY",
    "KEY_ENV_VAR",
    "SCRUBBER_VERSION",
    "Finding",
    "ModelNotInstalledError",
    "ScrubTableResult",
    "Scrubber",
    "ScrubberConfig",
    "pseudonym",
    "resolve_key",
    "residue_known_values",
    "scan_residue",
    "scan_table_residue",
    "scrub_table",
]

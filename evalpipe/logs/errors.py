"""Why a record is rejected. Reasons are short stable codes: the quarantine table is queried by them."""

from __future__ import annotations

REASONS = {
    "invalid_json": "the line is not valid JSON (often a truncated write)",
    "bad_encoding": "the line is not valid UTF-8",
    "schema_violation": "a field has the wrong type",
    "missing_field": "a required field is absent",
    "not_an_object": "the line is JSON but not an object",
    "unknown_format": "the file's format could not be recognised",
    "line_too_large": "the line exceeds the configured maximum size",
    "duplicate_record": "a record with the same source id was already accepted",
    "orphan_log_record": "an OTel log record whose span is not in the traces",
    "orphan_batch_output": "a Batch API output line whose custom_id is in no input file of the run",
    "scrub_failed": "PII scrubbing raised; the record is held back (fail closed)",
}


class RecordError(Exception):
    """A single record cannot be turned into a canonical row; it goes to quarantine."""

    def __init__(self, reason: str, detail: str):
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class SourceError(Exception):
    """The source itself is unusable (missing folder, unreadable root): a clear, run-level error."""

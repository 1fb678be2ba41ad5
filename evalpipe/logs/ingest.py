"""Streaming ingestion of raw log files into canonical `llm_call` rows.

Every unit read (a line; for OTel a span or a log record) ends in exactly one bucket:
accepted, quarantined (with a reason code and the raw bytes) or skipped (not a model call, a
log record merged into its span, a batch request merged into its result), so
`read == accepted + quarantined + skipped` always holds and is asserted.  Work is done in
batches so memory stays bounded whatever the file size.

A file in which nothing is recognised (no line of a known format, or an OTel export without a
single model span) is still quarantined line by line, and is also listed in
`IngestStats.unrecognised` with a diagnosis; callers (the CLI, the `raw_logs` asset) fail on it,
so a whole export can never disappear with a success status.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from evalpipe.config import LogSourcesFile, read_yaml, validate_config
from evalpipe.errors import ConfigError
from evalpipe.logs.adapters import generic, litellm, openai_batch, openai_jsonl, otel
from evalpipe.logs.errors import REASONS, RecordError, SourceError
from evalpipe.logs.ids import record_id_for
from evalpipe.logs.schema import LLM_CALL_COLUMNS, LLM_CALL_SCHEMA, QUARANTINE_SCHEMA
from evalpipe.settings import load_settings

try:  # orjson is ~3x faster on these lines; json is the fallback with identical results
    import orjson

    def _loads(b: bytes) -> Any:
        return orjson.loads(b)

    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover

    def _loads(b: bytes) -> Any:
        return json.loads(b)

    _JSONError = (ValueError,)

# A line that is not JSON, or not UTF-8: quarantined or skipped, never fatal.
_DECODE_ERRORS: tuple[type[Exception], ...] = (*_JSONError, UnicodeDecodeError)

FORMATS = (
    "openai",
    "otel",
    "otel_logs",
    "openllmetry",
    "openinference",
    "openai_batch",
    "litellm",
    "generic",
)
OTEL_TRACE_FORMATS = ("otel", *otel.CONVENTIONS)  # an OTLP traces file; spans read per convention
CONTENT_SETTINGS = {**otel.CONTENT_SETTINGS, "litellm": litellm.CONTENT_SETTING}
SKIP_REASONS = {
    "non_model_span": "an OTel span that is not a model call (HTTP, retrieval, app spans)",
    "log_record_joined": "an OTel log record merged into its model span",
    "batch_input_joined": "a Batch API request line merged into its result line",
    "no_batch_result": "a Batch API request with no line in any output file (not run, or file missing)",
}
RAW_KEEP_BYTES = 64 * 1024
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SourceConfigError(SourceError, ConfigError):
    """log_sources.yaml is invalid (a SourceError for callers of ingestion, a ConfigError for the rest)."""


@dataclass
class SourceConfig:
    """What `data/log_sources.yaml` declares: where logs live and how to read them."""

    source_root: str = "data/raw_logs"
    max_line_bytes: int = 8 * 1024 * 1024
    formats: dict[str, str] = field(default_factory=dict)
    generic: generic.GenericMapping | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> SourceConfig:
        settings = load_settings()
        path = Path(path or settings.log_sources)
        if not path.exists():
            raise SourceError(f"log source config {path} not found")
        try:
            raw = read_yaml(path)
            validate_config(raw, LogSourcesFile, path)
        except ConfigError as e:
            raise SourceConfigError(str(e), file=e.file, key=e.key) from None
        mapping = generic.GenericMapping.from_config(raw["generic"]) if raw.get("generic") else None
        return cls(
            source_root=settings.source_root or raw.get("source_root", cls.source_root),
            max_line_bytes=int(raw.get("max_line_bytes", cls.max_line_bytes)),
            formats=dict(raw.get("formats") or {}),
            generic=mapping,
        )


@dataclass
class IngestStats:
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    skipped: int = 0
    files: int = 0
    empty_files: int = 0
    quarantined_by_reason: Counter = field(default_factory=Counter)
    skipped_by_reason: Counter = field(default_factory=Counter)
    accepted_by_format: Counter = field(default_factory=Counter)
    unrecognised: list[str] = field(default_factory=list)  # one diagnosis per file nothing was read from
    warnings: list[str] = field(default_factory=list)  # empty files/exports, content capture off

    def reconciles(self) -> bool:
        return self.read == self.accepted + self.quarantined + self.skipped

    def problems(self) -> list[str]:
        """Why this run must not pass as a success: unrecognised files, or nothing read at all."""
        out = list(self.unrecognised)
        if self.read == 0 and not out:
            out.append(f"nothing to ingest: {self.files} file(s), {self.empty_files} empty, 0 records read")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "skipped": self.skipped,
            "files": self.files,
            "empty_files": self.empty_files,
            "quarantined_by_reason": dict(sorted(self.quarantined_by_reason.items())),
            "skipped_by_reason": dict(sorted(self.skipped_by_reason.items())),
            "accepted_by_format": dict(sorted(self.accepted_by_format.items())),
            "unrecognised": list(self.unrecognised),
            "warnings": list(self.warnings),
        }


@dataclass
class IngestBatch:
    rows: pa.Table
    quarantine: pa.Table


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _open(path: Any):
    f = path.open("rb") if hasattr(path, "open") else open(path, "rb")
    head = f.read(2)
    f.seek(0)
    return gzip.GzipFile(fileobj=f) if head == b"\x1f\x8b" else f


def iter_lines(path: Any, max_line_bytes: int, block: int = 1 << 20) -> Iterator[tuple[int, bytes, bool]]:
    """(1-based line number, bytes, too_large) for every non-blank line; memory ≤ max_line_bytes."""
    with _open(path) as f:
        buf = bytearray()
        line_no = 0
        oversize = False
        while True:
            chunk = f.read(block)
            if not chunk:
                break
            start = 0
            while True:
                nl = chunk.find(b"\n", start)
                piece = chunk[start:] if nl < 0 else chunk[start:nl]
                if not oversize:
                    buf += piece
                    if len(buf) > max_line_bytes:
                        oversize = True
                        del buf[RAW_KEEP_BYTES:]
                if nl < 0:
                    break
                line_no += 1
                if buf.strip() or oversize:
                    yield line_no, bytes(buf), oversize
                buf.clear()
                oversize = False
                start = nl + 1
        if buf.strip() or oversize:
            yield line_no + 1, bytes(buf), oversize


def detect_format(path: Any, cfg: SourceConfig, sniff_lines: int = 20) -> str | None:
    """Format from a configured file-name pattern, else from the first parseable lines."""
    name = getattr(path, "name", str(path))
    for pattern, fmt in cfg.formats.items():
        if fnmatch.fnmatch(name, pattern):
            return fmt
    for i, (_, data, too_large) in enumerate(iter_lines(path, cfg.max_line_bytes)):
        if i >= sniff_lines:
            break
        if too_large:
            continue
        try:
            obj = _loads(data)
        except _DECODE_ERRORS:
            continue
        if otel.looks_like_traces(obj):
            return "otel"
        if otel.looks_like_logs(obj):
            return "otel_logs"
        if openai_batch.looks_like(obj):
            return "openai_batch"
        if litellm.looks_like(obj):
            return "litellm"
        if openai_jsonl.looks_like(obj):
            return "openai"
        if generic.looks_like(obj, cfg.generic):
            return "generic"
    return None


def batch_role(path: Any, cfg: SourceConfig, sniff_lines: int = 20) -> str | None:
    """`input` or `output` for an OpenAI Batch API file, from its first parseable lines."""
    for i, (_, data, too_large) in enumerate(iter_lines(path, cfg.max_line_bytes)):
        if i >= sniff_lines:
            break
        if too_large:
            continue
        try:
            obj = _loads(data)
        except _DECODE_ERRORS:
            continue
        if openai_batch.looks_like_input(obj):
            return "input"
        if openai_batch.looks_like_output(obj):
            return "output"
    return None


# Keys that characterise each format, for the "closest known format" hint on an unrecognised file.
_LINE_KEYS = {
    "openai": {"request", "response", "error", "request_id", "timestamp", "latency_ms"},
    "openai_batch": {"custom_id", "method", "url", "body", "response", "error", "id"},
    "litellm": {*litellm.KEYS, "model_parameters", "response", "response_cost", "end_user", "trace_id"},
    "otel": {"resourceSpans"},
    "otel_logs": {"resourceLogs"},
}
_SPAN_KEYS = {
    "otel": {
        "gen_ai.operation.name",
        "gen_ai.request.model",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.usage.input_tokens",
        "gen_ai.provider.name",
        "gen_ai.system",
    },
    "openllmetry": {
        "llm.request.type",
        "gen_ai.prompt.N.content",
        "gen_ai.completion.N.content",
        "llm.usage.total_tokens",
        "gen_ai.system",
        "llm.is_streaming",
        "gen_ai.is_streaming",
    },
    "openinference": {
        "openinference.span.kind",
        "llm.model_name",
        "llm.input_messages.N.message.content",
        "llm.token_count.prompt",
        "input.value",
        "output.value",
        "llm.invocation_parameters",
    },
}
# Quarantine reasons that say "this is not the shape the format expects" (not damage to one line).
SHAPE_REASONS = {"missing_field", "schema_violation", "not_an_object", "unknown_format"}
_INDEX_RE = re.compile(r"\.\d+(?=\.|$)")


def diagnose(
    rel: str, n: int, unit: str, seen: Counter, span_level: bool, generic_mapping: Any = None
) -> str:
    """`0 of N <unit> recognised; the closest known format is X; the attributes seen are ...`."""
    keys: Counter = Counter()
    for k, c in seen.items():
        keys[_INDEX_RE.sub(".N", str(k))] += c
    table = dict(_SPAN_KEYS if span_level else _LINE_KEYS)
    if generic_mapping is not None and not span_level:
        table["generic"] = set(generic_mapping.required) | generic_mapping.mentioned_paths()
    scores = {f: len(ks & set(keys)) for f, ks in table.items()}
    best = max(scores, key=lambda f: (scores[f], f == "otel"))
    closest = (
        f"{best} ({scores[best]} of its {len(table[best])} characteristic keys present)"
        if scores[best]
        else "none (no characteristic key of any supported format is present)"
    )
    top = ", ".join(k for k, _ in keys.most_common(15)) or "(none: not JSON objects)"
    what = "attributes" if span_level else "top-level keys"
    return (
        f"{rel}: 0 of {n} {unit} recognised; the closest known format is {closest}; the {what} seen are {top}"
    )


# --------------------------------------------------------------------------------------------
# Ingestion
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """A unit that became a canonical `llm_call` row (already deduplicated and counted)."""

    row: dict[str, Any]


@dataclass(frozen=True)
class Quarantined:
    """A unit that could not become a row: where it came from, why, and its raw bytes.

    Kept as fields rather than a ready-made dict so the reason is named at the point of use;
    `as_row()` gives the QUARANTINE_SCHEMA row.
    """

    day: str
    source_format: str
    source_file: str
    source_line: int
    source_index: int
    reason: str
    detail: str
    raw: bytes

    def as_row(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "source_format": self.source_format,
            "source_file": self.source_file,
            "source_line": self.source_line,
            "source_index": self.source_index,
            "stage": "ingest",
            "reason": self.reason,
            "detail": self.detail[:500],
            "raw": self.raw,
        }


# What ingesting one unit yields; "skipped" units yield nothing and are only counted.
IngestOutcome = Accepted | Quarantined


def _finish_row(
    row: dict[str, Any], day: str | None, fmt: str, rel: str, line: int, index: int
) -> dict[str, Any]:
    out = {c: row.get(c) for c in LLM_CALL_COLUMNS}
    out["tags"] = row.get("tags") or []
    out["source_format"], out["source_file"], out["source_line"], out["source_index"] = fmt, rel, line, index
    started = row.get("started_at")
    out["day"] = day or (started.date().isoformat() if started is not None else "unknown")
    out["record_id"] = record_id_for(fmt, row.get("call_id"), f"{rel}:{line}:{index}")
    return out


@dataclass
class _FileSpans:
    """Per-file OTel tallies behind the verdicts: nothing recognised, content capture off, empty."""

    spans: int = 0
    model: int = 0
    lines_failed: int = 0
    by_convention: Counter = field(default_factory=Counter)
    no_content: Counter = field(default_factory=Counter)
    seen: Counter = field(default_factory=Counter)


class _Ingestor:
    """Holds per-run state: stats, seen record ids (dedup) and the OTel log-record index."""

    def __init__(self, cfg: SourceConfig, day: str | None):
        self.cfg = cfg
        self.day = day
        self.stats = IngestStats()
        self.seen: set[str] = set()
        self.log_index: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.log_origin: dict[str, list[tuple[str, int, int, bytes]]] = {}
        # Batch API requests by custom_id: [request body, joined?]
        self.batch_inputs: dict[str, list[Any]] = {}

    def _day(self, rel: str) -> str | None:
        if self.day:
            return self.day
        parent = Path(rel).parent.name
        return parent if DAY_RE.match(parent) else None

    def _q(
        self, fmt: str, rel: str, line: int, index: int, reason: str, detail: str, raw: bytes
    ) -> Quarantined:
        self.stats.quarantined += 1
        self.stats.quarantined_by_reason[reason] += 1
        return Quarantined(self._day(rel) or "unknown", fmt, rel, line, index, reason, detail, raw)

    def _accept(
        self, row: dict[str, Any], fmt: str, rel: str, line: int, index: int, raw: bytes
    ) -> IngestOutcome:
        out = _finish_row(row, self._day(rel), fmt, rel, line, index)
        if out["record_id"] in self.seen:
            return self._q(
                fmt,
                rel,
                line,
                index,
                "duplicate_record",
                f"record id {out['record_id']} (call id {row.get('call_id')}) seen before",
                raw,
            )
        self.seen.add(out["record_id"])
        self.stats.accepted += 1
        self.stats.accepted_by_format[fmt] += 1
        return Accepted(out)

    def index_logs(self, path: Any, rel: str) -> Iterator[IngestOutcome]:
        """First pass over an OTel logs file: index content records by span id."""
        for line, data, too_large in iter_lines(path, self.cfg.max_line_bytes):
            parsed = self._parse_line(data, too_large, "otel_logs", rel, line)
            if isinstance(parsed, Quarantined):
                yield parsed
                continue
            try:
                records = list(otel.iter_log_records(parsed))
            except RecordError as e:
                self.stats.read += 1
                yield self._q("otel_logs", rel, line, 0, e.reason, e.detail, data)
                continue
            for idx, rec in records:
                self.stats.read += 1
                raw = json.dumps(rec, ensure_ascii=False).encode("utf-8")
                try:
                    span_id, name, body = otel.log_record_event(rec)
                except RecordError as e:
                    yield self._q("otel_logs", rel, line, idx, e.reason, e.detail, raw)
                    continue
                self.log_index.setdefault(span_id, []).append((name, body))
                self.log_origin.setdefault(span_id, []).append((rel, line, idx, raw))

    def index_batch_inputs(self, path: Any, rel: str) -> Iterator[IngestOutcome]:
        """First pass over a Batch API input file: requests by custom_id, for the output files."""
        fmt = openai_batch.FORMAT
        n_before = self.stats.read
        for line, data, too_large in iter_lines(path, self.cfg.max_line_bytes):
            parsed = self._parse_line(data, too_large, fmt, rel, line)
            if isinstance(parsed, Quarantined):
                yield parsed
                continue
            self.stats.read += 1
            try:
                cid, body = openai_batch.input_entry(parsed)
            except RecordError as e:
                yield self._q(fmt, rel, line, 0, e.reason, e.detail, data)
                continue
            if cid in self.batch_inputs:
                yield self._q(fmt, rel, line, 0, "duplicate_record", f"custom_id {cid} seen before", data)
                continue
            self.batch_inputs[cid] = [body, False]
        if self.stats.read == n_before:
            self.stats.empty_files += 1
            self.stats.warnings.append(f"{rel}: empty file")

    def _batch_output_file(self, path: Any, rel: str, seen: Counter) -> Iterator[IngestOutcome]:
        fmt = openai_batch.FORMAT
        # Failed lines have no `created`: they take the earliest one of their file (a cheap pre-pass).
        created = []
        for _, data, too_large in iter_lines(path, self.cfg.max_line_bytes):
            if not too_large:
                try:
                    c = openai_batch.created_of(_loads(data))
                except _DECODE_ERRORS:
                    c = None
                if c is not None:
                    created.append(c)
        fallback = min(created) if created else None
        for line, data, too_large in iter_lines(path, self.cfg.max_line_bytes):
            parsed = self._parse_line(data, too_large, fmt, rel, line)
            if isinstance(parsed, Quarantined):
                yield parsed
                continue
            self.stats.read += 1
            if len(seen) < 100 and isinstance(parsed, dict):
                seen.update(parsed.keys())
            try:
                cid = openai_batch.output_custom_id(parsed)
                entry = self.batch_inputs.get(cid)
                if entry is None:
                    raise RecordError(
                        "orphan_batch_output", f"custom_id {cid} is in no Batch API input file of this run"
                    )
                row = openai_batch.to_canonical(parsed, entry[0], fallback)
            except RecordError as e:
                yield self._q(fmt, rel, line, 0, e.reason, e.detail, data)
                continue
            outcome = self._accept(row, fmt, rel, line, 0, data)
            if isinstance(outcome, Accepted):
                entry[1] = True
            yield outcome

    def batch_leftovers(self) -> None:
        """Every request line is counted once: merged into its result, or as having none."""
        for _, joined in self.batch_inputs.values():
            reason = "batch_input_joined" if joined else "no_batch_result"
            self.stats.skipped += 1
            self.stats.skipped_by_reason[reason] += 1
        self.batch_inputs.clear()

    def _parse_line(self, data: bytes, too_large: bool, fmt: str, rel: str, line: int) -> Any | Quarantined:
        """Decoded JSON value, or `Quarantined` when the whole line is unusable."""
        if too_large:
            self.stats.read += 1
            return self._q(
                fmt,
                rel,
                line,
                0,
                "line_too_large",
                f"line longer than {self.cfg.max_line_bytes} bytes; first {RAW_KEEP_BYTES} kept",
                data,
            )
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as e:
            self.stats.read += 1
            return self._q(fmt, rel, line, 0, "bad_encoding", f"invalid UTF-8 at byte {e.start}", data)
        try:
            return _loads(data)
        except _JSONError as e:
            self.stats.read += 1
            return self._q(fmt, rel, line, 0, "invalid_json", str(e).split("\n")[0], data)

    def ingest_file(
        self, path: Any, rel: str, fmt: str | None, role: str | None = None
    ) -> Iterator[IngestOutcome]:
        self.stats.files += 1
        any_line = False
        if fmt == "otel_logs" or (fmt == openai_batch.FORMAT and role == "input"):
            # Indexed up front by ingest_paths; nothing to emit here.
            return
        read0, acc0, q0 = self.stats.read, self.stats.accepted, Counter(self.stats.quarantined_by_reason)
        seen: Counter = Counter()
        if fmt == openai_batch.FORMAT:
            yield from self._batch_output_file(path, rel, seen)
            if self.stats.read == read0:
                self.stats.empty_files += 1
                self.stats.warnings.append(f"{rel}: empty file")
            else:
                self._line_file_verdict(rel, read0, acc0, q0, seen)
            return
        n_lines = 0
        fstats = _FileSpans()
        for line, data, too_large in iter_lines(path, self.cfg.max_line_bytes):
            any_line = True
            if fmt is None:
                self.stats.read += 1
                n_lines += 1
                if len(seen) < 200 and not too_large:
                    try:
                        obj = _loads(data)
                        if isinstance(obj, dict):
                            seen.update(obj.keys())
                    except _DECODE_ERRORS:
                        pass
                yield self._q(
                    "unknown",
                    rel,
                    line,
                    0,
                    "unknown_format",
                    "no line of the file matched a known log format",
                    data[:RAW_KEEP_BYTES],
                )
                continue
            parsed = self._parse_line(data, too_large, fmt, rel, line)
            if isinstance(parsed, Quarantined):
                yield parsed
                continue
            if fmt in OTEL_TRACE_FORMATS:
                yield from self._otel_line(parsed, rel, line, data, fmt, fstats)
                continue
            self.stats.read += 1
            if len(seen) < 100 and isinstance(parsed, dict) and self.stats.accepted == acc0:
                seen.update(parsed.keys())
            try:
                if fmt == "openai":
                    row = openai_jsonl.to_canonical(parsed)
                elif fmt == "litellm":
                    row = litellm.to_canonical(parsed)
                else:
                    if self.cfg.generic is None:
                        raise RecordError("unknown_format", "generic format needs a `generic:` mapping")
                    row = generic.to_canonical(parsed, self.cfg.generic)
            except RecordError as e:
                yield self._q(fmt, rel, line, 0, e.reason, e.detail, data)
                continue
            if fmt == "litellm":  # the only line format that marks content capture off
                fstats.by_convention[fmt] += 1
                if '"content_capture":"none"' in (row.get("metadata") or ""):
                    fstats.no_content[fmt] += 1
            yield self._accept(row, fmt, rel, line, 0, data)
        if not any_line:
            self.stats.empty_files += 1
            self.stats.warnings.append(f"{rel}: empty file")
        elif fmt is None:
            self.stats.unrecognised.append(diagnose(rel, n_lines, "lines", seen, False, self.cfg.generic))
        elif fmt in OTEL_TRACE_FORMATS:
            self._otel_file_verdict(rel, fstats)
        else:
            self._line_file_verdict(rel, read0, acc0, q0, seen)
            self._content_warnings(rel, fstats)

    def _content_warnings(self, rel: str, f: _FileSpans) -> None:
        for fmt, n in sorted(f.no_content.items()):
            self.stats.warnings.append(
                f"{rel}: {n} of {f.by_convention[fmt]} {fmt} model calls carry no message content "
                f"(content capture is off); to turn it on: {CONTENT_SETTINGS[fmt]}"
            )

    def _line_file_verdict(self, rel: str, read0: int, acc0: int, q0: Counter, seen: Counter) -> None:
        """A forced (or detected) format under which no line of the file could be read at all."""
        n = self.stats.read - read0
        if n == 0 or self.stats.accepted > acc0:
            return
        reasons = set(self.stats.quarantined_by_reason - q0)
        if reasons and reasons <= SHAPE_REASONS:
            self.stats.unrecognised.append(diagnose(rel, n, "lines", seen, False, self.cfg.generic))

    def _otel_file_verdict(self, rel: str, f: _FileSpans) -> None:
        if f.spans == 0:
            if f.lines_failed == 0:
                self.stats.warnings.append(f"{rel}: OTLP export with 0 spans")
            return
        if f.model == 0:
            self.stats.unrecognised.append(diagnose(rel, f.spans, "spans", f.seen, span_level=True))
            return
        self._content_warnings(rel, f)

    def _otel_line(
        self, obj: Any, rel: str, line: int, data: bytes, fmt: str, fstats: _FileSpans
    ) -> Iterator[IngestOutcome]:
        forced = None if fmt == "otel" else fmt
        try:
            if not isinstance(obj, dict):
                raise RecordError("not_an_object", "expected an OTLP export object")
            spans = list(otel.iter_spans(obj))
        except RecordError as e:
            self.stats.read += 1
            fstats.lines_failed += 1
            yield self._q(fmt, rel, line, 0, e.reason, e.detail, data)
            return
        for idx, resource, span in spans:
            self.stats.read += 1
            fstats.spans += 1
            conv = otel.span_convention(span) if isinstance(span, dict) else None
            if conv is None:
                self.stats.skipped += 1
                self.stats.skipped_by_reason["non_model_span"] += 1
                if fstats.model == 0 and len(fstats.seen) < 500 and isinstance(span, dict):
                    fstats.seen.update(
                        kv.get("key") for kv in span.get("attributes") or [] if isinstance(kv, dict)
                    )
                continue
            conv = forced or conv
            fstats.model += 1
            fstats.by_convention[conv] += 1
            raw = json.dumps(span, ensure_ascii=False).encode("utf-8")
            span_id = span.get("spanId") if isinstance(span.get("spanId"), str) else None
            try:
                row = otel.span_to_canonical(
                    span, resource, self.log_index.get(span_id) if span_id else None, conv
                )
            except RecordError as e:
                yield self._q(conv, rel, line, idx, e.reason, e.detail, raw)
                continue
            if span_id in self.log_index:
                joined = self.log_index.pop(span_id)
                self.log_origin.pop(span_id, None)
                self.stats.skipped += len(joined)
                self.stats.skipped_by_reason["log_record_joined"] += len(joined)
            if '"content_capture":"none"' in (row.get("metadata") or ""):
                fstats.no_content[conv] += 1
            yield self._accept(row, conv, rel, line, idx, raw)

    def orphans(self) -> Iterator[IngestOutcome]:
        for span_id, origins in sorted(self.log_origin.items()):
            for rel, line, idx, raw in origins:
                yield self._q(
                    "otel_logs",
                    rel,
                    line,
                    idx,
                    "orphan_log_record",
                    f"no model span with spanId {span_id} in this batch of files",
                    raw,
                )
        self.log_origin.clear()
        self.log_index.clear()


def list_source_files(root: Any) -> list[tuple[Any, str]]:
    """(path, path relative to root) for every file under root, sorted for determinism."""
    if not root.exists():
        raise SourceError(f"source location {root} does not exist")
    if root.is_file():
        return [(root, root.name)]
    out = []
    for p in sorted(root.rglob("*"), key=lambda p: str(p)):
        if p.is_file() and not p.name.startswith((".", "_")):
            out.append((p, str(p.relative_to(root))))
    return out


def ingest_paths(
    files: Iterable[tuple[Any, str]],
    cfg: SourceConfig,
    *,
    day: str | None = None,
    fmt: str = "auto",
    batch_size: int = 50_000,
    stats_out: list[IngestStats] | None = None,
) -> Iterator[IngestBatch]:
    """Ingest files (path, relative name) into batches of canonical rows and quarantine rows.

    `fmt="auto"` detects each file's format; OTel logs files are indexed first so that their
    records can be joined to the spans in traces files of the same batch of files.
    """
    ing = _Ingestor(cfg, day)
    files = list(files)
    formats = {rel: (detect_format(p, cfg) if fmt == "auto" else fmt) for p, rel in files}
    roles = {rel: batch_role(p, cfg) for p, rel in files if formats[rel] == openai_batch.FORMAT}
    rows: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []

    def flush() -> IngestBatch:
        batch = IngestBatch(
            pa.Table.from_pylist(rows, schema=LLM_CALL_SCHEMA),
            pa.Table.from_pylist(quarantine, schema=QUARANTINE_SCHEMA),
        )
        rows.clear()
        quarantine.clear()
        return batch

    def emit(items: Iterable[IngestOutcome]) -> Iterator[IngestBatch]:
        for item in items:
            if isinstance(item, Accepted):
                rows.append(item.row)
            else:
                quarantine.append(item.as_row())
            if len(rows) + len(quarantine) >= batch_size:
                yield flush()

    for p, rel in files:
        if formats[rel] == "otel_logs":
            ing.stats.files += 1
            yield from emit(ing.index_logs(p, rel))
        elif roles.get(rel) == "input":
            ing.stats.files += 1
            yield from emit(ing.index_batch_inputs(p, rel))
    for p, rel in files:
        if formats[rel] != "otel_logs" and roles.get(rel) != "input":
            yield from emit(ing.ingest_file(p, rel, formats[rel], roles.get(rel)))
    yield from emit(ing.orphans())
    ing.batch_leftovers()
    if rows or quarantine:
        yield flush()
    assert ing.stats.reconciles(), f"ingest counts do not reconcile: {ing.stats.as_dict()}"
    if stats_out is not None:
        stats_out.append(ing.stats)


def ingest_day(root: Any, day: str, cfg: SourceConfig, **kw: Any) -> tuple[pa.Table, pa.Table, IngestStats]:
    """All files of one day folder -> (rows, quarantine, stats). Raises SourceError if it is missing."""
    day_dir = root / day
    if not root.exists():
        raise SourceError(
            f"source location {root} does not exist (check source_root in data/log_sources.yaml)"
        )
    if not day_dir.exists():
        raise SourceError(f"no logs for {day}: folder {day_dir} does not exist")
    files = [(p, f"{day}/{rel}") for p, rel in list_source_files(day_dir)]
    stats: list[IngestStats] = []
    batches = list(ingest_paths(files, cfg, day=day, stats_out=stats, **kw))
    rows = pa.concat_tables([b.rows for b in batches]) if batches else LLM_CALL_SCHEMA.empty_table()
    q = pa.concat_tables([b.quarantine for b in batches]) if batches else QUARANTINE_SCHEMA.empty_table()
    return rows, q, stats[0]


__all__ = [
    "FORMATS",
    "REASONS",
    "SKIP_REASONS",
    "IngestBatch",
    "IngestStats",
    "SourceConfig",
    "SourceError",
    "detect_format",
    "ingest_day",
    "ingest_paths",
    "iter_lines",
    "list_source_files",
]

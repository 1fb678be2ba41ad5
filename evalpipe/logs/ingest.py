"""Streaming ingestion of raw log files into canonical `llm_call` rows.

Every unit read (a line; for OTel a span or a log record) ends in exactly one bucket:
accepted, quarantined (with a reason code and the raw bytes) or skipped (not a model call, or a
log record merged into its span), so `read == accepted + quarantined + skipped` always holds and
is asserted.  Work is done in batches so memory stays bounded whatever the file size.
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
import yaml

from evalpipe.logs.adapters import generic, openai_jsonl, otel
from evalpipe.logs.errors import REASONS, RecordError, SourceError
from evalpipe.logs.ids import record_id_for
from evalpipe.logs.schema import LLM_CALL_COLUMNS, LLM_CALL_SCHEMA, QUARANTINE_SCHEMA

try:  # orjson is ~3x faster on these lines; json is the fallback with identical results
    import orjson

    def _loads(b: bytes) -> Any:
        return orjson.loads(b)

    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover

    def _loads(b: bytes) -> Any:
        return json.loads(b)

    _JSONError = (ValueError,)

FORMATS = ("openai", "otel", "otel_logs", "generic")
RAW_KEEP_BYTES = 64 * 1024
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class SourceConfig:
    """What `data/log_sources.yaml` declares: where logs live and how to read them."""

    source_root: str = "data/raw_logs"
    max_line_bytes: int = 8 * 1024 * 1024
    formats: dict[str, str] = field(default_factory=dict)
    generic: generic.GenericMapping | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> SourceConfig:
        path = Path(path or os.environ.get("EVALPIPE_LOG_SOURCES", "data/log_sources.yaml"))
        if not path.exists():
            raise SourceError(f"log source config {path} not found")
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(raw) - {"source_root", "max_line_bytes", "formats", "generic"}
        if unknown:
            raise SourceError(f"{path}: unknown keys {sorted(unknown)}")
        for pattern, fmt in (raw.get("formats") or {}).items():
            if fmt not in FORMATS:
                raise SourceError(f"{path}: format {fmt!r} for {pattern!r} is not one of {FORMATS}")
        mapping = generic.GenericMapping.from_config(raw["generic"]) if raw.get("generic") else None
        return cls(
            source_root=os.environ.get("EVALPIPE_SOURCE_ROOT", raw.get("source_root", cls.source_root)),
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

    def reconciles(self) -> bool:
        return self.read == self.accepted + self.quarantined + self.skipped

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
        }


@dataclass
class IngestBatch:
    rows: pa.Table
    quarantine: pa.Table


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _open(path: Any):
    f = path.open("rb") if hasattr(path, "open") else open(path, "rb")  # noqa: SIM115
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
        except (*_JSONError, UnicodeDecodeError):
            continue
        if otel.looks_like_traces(obj):
            return "otel"
        if otel.looks_like_logs(obj):
            return "otel_logs"
        if openai_jsonl.looks_like(obj):
            return "openai"
        if generic.looks_like(obj, cfg.generic):
            return "generic"
    return None


# --------------------------------------------------------------------------------------------
# Ingestion
# --------------------------------------------------------------------------------------------


def _quarantine(
    day: str, fmt: str, rel: str, line: int, index: int, reason: str, detail: str, raw: bytes
) -> dict[str, Any]:
    return {
        "day": day,
        "source_format": fmt,
        "source_file": rel,
        "source_line": line,
        "source_index": index,
        "stage": "ingest",
        "reason": reason,
        "detail": detail[:500],
        "raw": raw,
    }


def _finish_row(
    row: dict[str, Any], day: str | None, fmt: str, rel: str, line: int, index: int
) -> dict[str, Any]:
    out = {c: row.get(c) for c in LLM_CALL_COLUMNS}
    out["tags"] = row.get("tags") or []
    out["source_format"], out["source_file"], out["source_line"], out["source_index"] = fmt, rel, line, index
    out["day"] = day or row["started_at"].date().isoformat()
    out["record_id"] = record_id_for(fmt, row.get("call_id"), f"{rel}:{line}:{index}")
    return out


class _Ingestor:
    """Holds per-run state: stats, seen record ids (dedup) and the OTel log-record index."""

    def __init__(self, cfg: SourceConfig, day: str | None):
        self.cfg = cfg
        self.day = day
        self.stats = IngestStats()
        self.seen: set[str] = set()
        self.log_index: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.log_origin: dict[str, list[tuple[str, int, int, bytes]]] = {}

    def _day(self, rel: str) -> str | None:
        if self.day:
            return self.day
        parent = Path(rel).parent.name
        return parent if DAY_RE.match(parent) else None

    def _q(self, fmt: str, rel: str, line: int, index: int, reason: str, detail: str, raw: bytes) -> dict:
        self.stats.quarantined += 1
        self.stats.quarantined_by_reason[reason] += 1
        return _quarantine(self._day(rel) or "unknown", fmt, rel, line, index, reason, detail, raw)

    def _accept(
        self, row: dict[str, Any], fmt: str, rel: str, line: int, index: int, raw: bytes
    ) -> tuple[str, dict[str, Any]]:
        out = _finish_row(row, self._day(rel), fmt, rel, line, index)
        if out["record_id"] in self.seen:
            return "q", self._q(
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
        return "row", out

    def index_logs(self, path: Any, rel: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """First pass over an OTel logs file: index content records by span id."""
        for line, data, too_large in iter_lines(path, self.cfg.max_line_bytes):
            parsed = self._parse_line(data, too_large, "otel_logs", rel, line)
            if isinstance(parsed, tuple):
                yield parsed
                continue
            try:
                records = list(otel.iter_log_records(parsed))
            except RecordError as e:
                self.stats.read += 1
                yield "q", self._q("otel_logs", rel, line, 0, e.reason, e.detail, data)
                continue
            for idx, rec in records:
                self.stats.read += 1
                raw = json.dumps(rec, ensure_ascii=False).encode("utf-8")
                try:
                    span_id, name, body = otel.log_record_event(rec)
                except RecordError as e:
                    yield "q", self._q("otel_logs", rel, line, idx, e.reason, e.detail, raw)
                    continue
                self.log_index.setdefault(span_id, []).append((name, body))
                self.log_origin.setdefault(span_id, []).append((rel, line, idx, raw))

    def _parse_line(self, data: bytes, too_large: bool, fmt: str, rel: str, line: int) -> Any:
        """Decoded JSON object, or a ('q', row) tuple when the whole line is unusable."""
        if too_large:
            self.stats.read += 1
            return "q", self._q(
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
            return "q", self._q(fmt, rel, line, 0, "bad_encoding", f"invalid UTF-8 at byte {e.start}", data)
        try:
            return _loads(data)
        except _JSONError as e:
            self.stats.read += 1
            return "q", self._q(fmt, rel, line, 0, "invalid_json", str(e).split("\n")[0], data)

    def ingest_file(self, path: Any, rel: str, fmt: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
        self.stats.files += 1
        any_line = False
        if fmt == "otel_logs":
            # Indexed up front by ingest_paths; nothing to emit here.
            return
        for line, data, too_large in iter_lines(path, self.cfg.max_line_bytes):
            any_line = True
            if fmt is None:
                self.stats.read += 1
                yield (
                    "q",
                    self._q(
                        "unknown",
                        rel,
                        line,
                        0,
                        "unknown_format",
                        "no line of the file matched a known log format",
                        data[:RAW_KEEP_BYTES],
                    ),
                )
                continue
            parsed = self._parse_line(data, too_large, fmt, rel, line)
            if isinstance(parsed, tuple):
                yield parsed
                continue
            if fmt == "otel":
                yield from self._otel_line(parsed, rel, line, data)
                continue
            self.stats.read += 1
            try:
                if fmt == "openai":
                    row = openai_jsonl.to_canonical(parsed)
                else:
                    if self.cfg.generic is None:
                        raise RecordError("unknown_format", "generic format needs a `generic:` mapping")
                    row = generic.to_canonical(parsed, self.cfg.generic)
            except RecordError as e:
                yield "q", self._q(fmt, rel, line, 0, e.reason, e.detail, data)
                continue
            yield self._accept(row, fmt, rel, line, 0, data)
        if not any_line:
            self.stats.empty_files += 1

    def _otel_line(self, obj: Any, rel: str, line: int, data: bytes) -> Iterator[tuple[str, dict[str, Any]]]:
        try:
            if not isinstance(obj, dict):
                raise RecordError("not_an_object", "expected an OTLP export object")
            spans = list(otel.iter_spans(obj))
        except RecordError as e:
            self.stats.read += 1
            yield "q", self._q("otel", rel, line, 0, e.reason, e.detail, data)
            return
        for idx, resource, span in spans:
            self.stats.read += 1
            if not (isinstance(span, dict) and otel.is_model_span(span)):
                self.stats.skipped += 1
                self.stats.skipped_by_reason["non_model_span"] += 1
                continue
            raw = json.dumps(span, ensure_ascii=False).encode("utf-8")
            span_id = span.get("spanId") if isinstance(span.get("spanId"), str) else None
            try:
                row = otel.span_to_canonical(span, resource, self.log_index.get(span_id) if span_id else None)
            except RecordError as e:
                yield "q", self._q("otel", rel, line, idx, e.reason, e.detail, raw)
                continue
            if span_id in self.log_index:
                joined = self.log_index.pop(span_id)
                self.log_origin.pop(span_id, None)
                self.stats.skipped += len(joined)
                self.stats.skipped_by_reason["log_record_joined"] += len(joined)
            yield self._accept(row, "otel", rel, line, idx, raw)

    def orphans(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for span_id, origins in sorted(self.log_origin.items()):
            for rel, line, idx, raw in origins:
                yield (
                    "q",
                    self._q(
                        "otel_logs",
                        rel,
                        line,
                        idx,
                        "orphan_log_record",
                        f"no model span with spanId {span_id} in this batch of files",
                        raw,
                    ),
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

    def emit(items: Iterable[tuple[str, dict[str, Any]]]) -> Iterator[IngestBatch]:
        for kind, item in items:
            (rows if kind == "row" else quarantine).append(item)
            if len(rows) + len(quarantine) >= batch_size:
                yield flush()

    for p, rel in files:
        if formats[rel] == "otel_logs":
            ing.stats.files += 1
            yield from emit(ing.index_logs(p, rel))
    for p, rel in files:
        if formats[rel] != "otel_logs":
            yield from emit(ing.ingest_file(p, rel, formats[rel]))
    yield from emit(ing.orphans())
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
    "REASONS",
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

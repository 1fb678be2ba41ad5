"""Small typed accessors used by every adapter: they raise `RecordError` with a precise path."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal, overload

from evalpipe.logs.errors import RecordError

try:
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

_MISSING = object()


def dig(obj: Any, path: str, default: Any = _MISSING) -> Any:
    """`a.b.c` lookup in nested dicts; missing -> default, or RecordError(missing_field)."""
    cur = obj
    for key in path.split("."):
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        else:
            if default is _MISSING:
                raise RecordError("missing_field", f"{path} is missing")
            return default
    return cur


@overload
def as_str(value: Any, path: str, *, optional: Literal[False]) -> str: ...
@overload
def as_str(value: Any, path: str, *, optional: bool = True) -> str | None: ...
def as_str(value: Any, path: str, *, optional: bool = True) -> str | None:
    if value is None:
        if optional:
            return None
        raise RecordError("missing_field", f"{path} is null")
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise RecordError("schema_violation", f"{path}: expected string, got {type(value).__name__}")


def as_int(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError("schema_violation", f"{path}: expected integer, got bool")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise RecordError("schema_violation", f"{path}: expected integer, got {type(value).__name__}")


def as_float(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError("schema_violation", f"{path}: expected number, got bool")
    if isinstance(value, (int, float)):
        return float(value)
    raise RecordError("schema_violation", f"{path}: expected number, got {type(value).__name__}")


def as_list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise RecordError("schema_violation", f"{path}: expected list, got {type(value).__name__}")


def as_dict(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise RecordError("schema_violation", f"{path}: expected object, got {type(value).__name__}")


def as_timestamp(value: Any, path: str) -> dt.datetime:
    """ISO-8601 string (Z or offset) or epoch seconds -> aware UTC datetime."""
    if isinstance(value, str):
        try:
            t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as e:
            raise RecordError("schema_violation", f"{path}: not an ISO-8601 timestamp") from e
        return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)
    if value is None:
        raise RecordError("missing_field", f"{path} is missing")
    raise RecordError("schema_violation", f"{path}: expected ISO-8601 string, got {type(value).__name__}")


def from_unix_nanos(value: Any, path: str) -> dt.datetime:
    n = as_int(value, path)
    if n is None:
        raise RecordError("missing_field", f"{path} is missing")
    return dt.datetime.fromtimestamp(n / 1e9, tz=dt.UTC)


def dumps(value: Any) -> str | None:
    """Compact, deterministic JSON for nested canonical fields (None stays None)."""
    if value is None:
        return None
    if orjson is not None:
        try:
            return orjson.dumps(value).decode("utf-8")
        except TypeError:  # e.g. ints beyond 64 bits: fall back to the stdlib
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def maybe_json(value: Any) -> Any:
    """Tool-call arguments are JSON strings in most logs; keep the raw string if they are not."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def unflatten(attrs: dict[str, Any], prefix: str) -> list[Any]:
    """Indexed flat attributes (`p.0.role`, `p.0.tool_calls.1.name`, ...) -> a list of nested dicts.

    OTel attributes cannot hold lists of objects, so OpenLLMetry and OpenInference flatten
    messages into dotted keys with integer segments; this is the inverse, in index order (gaps
    are dropped, a producer that skipped an index loses nothing else).
    """
    root: dict[str, Any] = {}
    n = len(prefix)
    for key, value in attrs.items():
        if not key.startswith(prefix):
            continue
        node = root
        segs = key[n:].split(".")
        for seg in segs[:-1]:
            nxt = node.get(seg)
            if not isinstance(nxt, dict):
                nxt = node[seg] = {}
            node = nxt
        node[segs[-1]] = value
    out = _listify(root)
    return out if isinstance(out, list) else []


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_listify(node[k]) for k in sorted(node, key=int)]
    return {k: _listify(v) for k, v in node.items()}

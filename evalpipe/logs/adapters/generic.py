"""Generic JSONL read through a column mapping (`generic:` in `data/log_sources.yaml`).

Teams with home-grown logging rarely match any standard; a mapping from canonical fields to
dotted paths in their records is the least code they have to write.  Scalar fields map as
`canonical: path` or `canonical: {path: ..., scale: 1000}`; conversation pieces (history, user
and assistant turns, retrieved context, feedback, error) have their own small sub-mappings.
Fields the mapping does not mention are kept in `metadata` (optionally renamed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evalpipe.logs.errors import RecordError
from evalpipe.logs.fields import as_dict, as_float, as_int, as_list, as_str, as_timestamp, dig, dumps

FORMAT = "generic"
_INT_FIELDS = {"turn_index", "input_tokens", "output_tokens"}
_FLOAT_FIELDS = {"latency_ms", "ttft_ms", "cost_usd"}
_STR_FIELDS = {
    "call_id",
    "session_id",
    "user_id",
    "request_model",
    "response_model",
    "finish_reason",
    "error_type",
    "feedback_comment",
    "provider",
}


@dataclass
class GenericMapping:
    """How to read one generic JSONL source; see `data/log_sources.yaml` for a documented example."""

    fields: dict[str, Any]
    required: list[str] = field(default_factory=list)
    history: dict[str, Any] | None = None
    user_message: str | None = None
    assistant_message: str | None = None
    retrieved_context: dict[str, Any] | None = None
    feedback_score: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    metadata_rename: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> GenericMapping:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(cfg) - known
        if unknown:
            raise ValueError(
                f"generic mapping: unknown keys {sorted(unknown)}; valid keys are {sorted(known)}"
            )
        if "fields" not in cfg or "started_at" not in cfg["fields"]:
            raise ValueError("generic mapping: `fields.started_at` is required (records need a timestamp)")
        return cls(**cfg)

    def mentioned_paths(self) -> set[str]:
        roots = set()
        for spec in self.fields.values():
            roots.add((spec["path"] if isinstance(spec, dict) else spec).split(".")[0])
        for sub in (self.history, self.retrieved_context, self.feedback_score, self.error):
            if sub:
                roots.add(sub["path"].split(".")[0])
        for p in (self.user_message, self.assistant_message):
            if p:
                roots.add(p.split(".")[0])
        return roots


def looks_like(obj: Any, mapping: GenericMapping | None) -> bool:
    if mapping is None or not isinstance(obj, dict):
        return False
    return all(dig(obj, p, None) is not None for p in mapping.required) if mapping.required else False


def to_canonical(obj: Any, mapping: GenericMapping) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise RecordError("not_an_object", f"expected a JSON object, got {type(obj).__name__}")
    for p in mapping.required:
        if dig(obj, p, None) is None:
            raise RecordError("missing_field", f"{p} is missing")
    row: dict[str, Any] = {"tags": [], "status": "ok"}
    for canon, spec in mapping.fields.items():
        path = spec["path"] if isinstance(spec, dict) else spec
        value = dig(obj, path, None)
        if canon == "started_at":
            row[canon] = as_timestamp(value, path)
        elif canon in _INT_FIELDS:
            row[canon] = as_int(value, path)
        elif canon in _FLOAT_FIELDS:
            v = as_float(value, path)
            row[canon] = (
                None if v is None else v * float(spec.get("scale", 1) if isinstance(spec, dict) else 1)
            )
        elif canon == "tags":
            row["tags"] = [
                as_str(t, f"{path}[{i}]", optional=False) for i, t in enumerate(as_list(value, path))
            ]
        elif canon == "system_instructions":
            text = as_str(value, path)
            row[canon] = dumps([{"type": "text", "content": text}]) if text else None
        elif canon in _STR_FIELDS:
            row[canon] = as_str(value, path)
        else:
            raise ValueError(f"generic mapping: cannot map canonical field {canon!r}")

    messages: list[dict[str, Any]] = []
    if mapping.history:
        h = mapping.history
        for i, turn in enumerate(as_list(dig(obj, h["path"], None), h["path"])):
            turn = as_dict(turn, f"{h['path']}[{i}]")
            role = h.get("roles", {}).get(turn.get(h["role_key"]), turn.get(h["role_key"]))
            text = as_str(turn.get(h["text_key"]), f"{h['path']}[{i}].{h['text_key']}")
            messages.append(
                {
                    "role": as_str(role, f"{h['path']}[{i}].{h['role_key']}", optional=False),
                    "parts": [{"type": "text", "content": text}] if text is not None else [],
                }
            )
    if mapping.user_message:
        text = as_str(dig(obj, mapping.user_message, None), mapping.user_message)
        if text is not None:
            messages.append({"role": "user", "parts": [{"type": "text", "content": text}]})
    row["input_messages"] = dumps(messages)
    if mapping.assistant_message:
        text = as_str(dig(obj, mapping.assistant_message, None), mapping.assistant_message)
        if text is not None:
            row["output_messages"] = dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": text}],
                        "finish_reason": row.get("finish_reason"),
                    }
                ]
            )
    if mapping.retrieved_context:
        c = mapping.retrieved_context
        ctx = []
        for i, item in enumerate(as_list(dig(obj, c["path"], None), c["path"])):
            item = as_dict(item, f"{c['path']}[{i}]")
            ctx.append(
                {"id": item.get(c.get("id_key", "id")), "content": item.get(c.get("content_key", "content"))}
            )
        row["retrieved_context"] = dumps(ctx) if ctx else None
    if mapping.feedback_score:
        f = mapping.feedback_score
        raw = dig(obj, f["path"], None)
        if raw is not None:
            key = str(as_int(raw, f["path"]))
            row["feedback_score"] = f.get("map", {}).get(key, f.get("map", {}).get(int(key)))
    if mapping.error:
        e = mapping.error
        raw = as_str(dig(obj, e["path"], None), e["path"])
        if raw:
            sep = e.get("type_separator", ": ")
            etype, _, msg = raw.partition(sep) if sep in raw else ("error", "", raw)
            row.update(status="error", error_type=etype, error_message=msg or raw)
    mentioned = mapping.mentioned_paths()
    metadata = {mapping.metadata_rename.get(k, k): v for k, v in obj.items() if k not in mentioned}
    row["metadata"] = dumps(metadata) if metadata else None
    return row


__all__ = ["FORMAT", "GenericMapping", "looks_like", "to_canonical"]

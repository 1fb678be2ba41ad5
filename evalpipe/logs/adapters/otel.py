"""OpenTelemetry GenAI spans as the OTLP/JSON file exporter writes them.

Three generations of content capture are read:

1. current semantic conventions: `gen_ai.input.messages`, `gen_ai.output.messages`,
   `gen_ai.system_instructions` span attributes (JSON strings, role + parts form);
2. older conventions: one span event per message (`gen_ai.user.message`, `gen_ai.choice`, ...);
3. opentelemetry-instrumentation-openai-v2: a content-free span plus log records in a separate
   logs export (`resourceLogs`), joined on span id.

Each span is read in the convention it was written in (`span_convention`), so one export may mix
producers: the GenAI conventions above (`otel`), Traceloop OpenLLMetry (`openllmetry.py`) and
Arize OpenInference (`openinference.py`).  Whatever the convention, a `system`/`developer`
message becomes `system_instructions`, `enduser.id` / `gen_ai.user` / `user.id` / `llm.user` fill
`user_id`, `gen_ai.conversation.id` / `session.id` fill `session_id`, and an `exception` event
gives `error_type` when `error.type` is absent.

OTLP/JSON writes ids as hex, 64-bit integers as strings and enums as integers; `AnyValue` is
decoded accordingly.  Spans that are not model calls (HTTP server spans, retrieval spans) are
skipped and counted.  Application attributes under `app.` follow evalpipe's documented
conventions (README, "Log formats"); unknown ones land in `metadata`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from evalpipe.logs.adapters import openinference, openllmetry
from evalpipe.logs.errors import RecordError
from evalpipe.logs.fields import (
    as_dict,
    as_float,
    as_int,
    as_list,
    as_str,
    dumps,
    from_unix_nanos,
    maybe_json,
)

FORMAT = "otel"
CONVENTIONS = ("otel", "openllmetry", "openinference")
CONTENT_SETTINGS = {
    "otel": "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true (and ship the logs export with the traces)",
    "openllmetry": openllmetry.CONTENT_SETTING,
    "openinference": openinference.CONTENT_SETTING,
}
# traceloop-sdk writes association properties (`Traceloop.set_association_properties`) as below.
_VIEW_FIELDS = (
    "user_id",
    "session_id",
    "request_model",
    "response_model",
    "provider",
    "input_tokens",
    "output_tokens",
    "cost_usd",
)
_FIRST_TOKEN_EVENTS = frozenset({*openllmetry.CHUNK_EVENTS, openinference.FIRST_TOKEN_EVENT})
USER_ATTRS = ("enduser.id", "gen_ai.user", "user.id", "llm.user", "traceloop.association.properties.user_id")
SESSION_ATTRS = ("gen_ai.conversation.id", "session.id", "traceloop.association.properties.session_id")
MODEL_OPERATIONS = {"chat", "text_completion", "generate_content"}
MESSAGE_EVENTS = {
    "gen_ai.system.message",
    "gen_ai.user.message",
    "gen_ai.assistant.message",
    "gen_ai.tool.message",
    "gen_ai.choice",
}
APP_FIELDS = {
    "app.time_to_first_token_ms": "ttft_ms",
    "app.cost_usd": "cost_usd",
    "app.retrieved_context": "retrieved_context",
    "app.feedback.score": "feedback_score",
    "app.feedback.comment": "feedback_comment",
    "app.tags": "tags",
    "app.turn_index": "turn_index",
}
PARAM_ATTRS = {
    "gen_ai.request.temperature": "temperature",
    "gen_ai.request.max_tokens": "max_tokens",
    "gen_ai.request.top_p": "top_p",
    "gen_ai.request.seed": "seed",
}


def looks_like_traces(obj: Any) -> bool:
    return isinstance(obj, dict) and "resourceSpans" in obj


def looks_like_logs(obj: Any) -> bool:
    return isinstance(obj, dict) and "resourceLogs" in obj


def any_value(v: Any, path: str) -> Any:
    """Decode an OTLP/JSON AnyValue."""
    if not isinstance(v, dict):
        raise RecordError("schema_violation", f"{path}: AnyValue must be an object")
    if "stringValue" in v:
        return as_str(v["stringValue"], path)
    if "intValue" in v:
        return as_int(v["intValue"], path)
    if "doubleValue" in v:
        return as_float(v["doubleValue"], path)
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        return [
            any_value(x, f"{path}[]") for x in as_list(as_dict(v["arrayValue"], path).get("values"), path)
        ]
    if "kvlistValue" in v:
        return attributes(as_dict(v["kvlistValue"], path).get("values"), path)
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def attributes(attrs: Any, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, kv in enumerate(as_list(attrs, path)):
        kv = as_dict(kv, f"{path}[{i}]")
        key = as_str(kv.get("key"), f"{path}[{i}].key", optional=False)
        out[key] = any_value(kv.get("value", {}), f"{path}.{key}")
    return out


def iter_spans(obj: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(index within line, resource attributes, span) for every span of one export line."""
    idx = 0
    for rs in as_list(obj.get("resourceSpans"), "resourceSpans"):
        rs = as_dict(rs, "resourceSpans[]")
        resource = as_dict(rs.get("resource"), "resource")
        for ss in as_list(rs.get("scopeSpans"), "scopeSpans"):
            for span in as_list(as_dict(ss, "scopeSpans[]").get("spans"), "spans"):
                yield idx, resource, span
                idx += 1


def iter_log_records(obj: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    idx = 0
    for rl in as_list(obj.get("resourceLogs"), "resourceLogs"):
        for sl in as_list(as_dict(rl, "resourceLogs[]").get("scopeLogs"), "scopeLogs"):
            for rec in as_list(as_dict(sl, "scopeLogs[]").get("logRecords"), "logRecords"):
                yield idx, rec
                idx += 1


def log_record_event(rec: Any) -> tuple[str, str, dict[str, Any]]:
    """(span id, event name, body) of a content log record; raises RecordError when unusable."""
    rec = as_dict(rec, "logRecord")
    span_id = as_str(rec.get("spanId"), "logRecord.spanId", optional=False)
    attrs = attributes(rec.get("attributes"), "logRecord.attributes")
    name = rec.get("eventName") or attrs.get("event.name")
    if not name:
        raise RecordError("missing_field", "logRecord has no eventName / event.name")
    body = any_value(rec["body"], "logRecord.body") if "body" in rec else {}
    return span_id, str(name), body if isinstance(body, dict) else {"content": body}


def span_convention(span: dict[str, Any]) -> str | None:
    """Which convention a span is a model call in (`otel`, `openllmetry`, `openinference`), or None.

    One pass over the raw attribute list with one set lookup per key, no decoding: this runs on
    every span of an export.  OpenInference is recognised by `openinference.span.kind` (a model
    call when it is `LLM`); Traceloop by attributes only it writes (`llm.request.type`,
    `gen_ai.is_streaming`, indexed `gen_ai.prompt.0.*`, ...), a model call when
    `llm.request.type` or `gen_ai.operation.name` says chat or completion.
    """
    op = kind = req_type = None
    traceloop = False
    for kv in span.get("attributes") or []:
        try:
            key = kv["key"]
            if key not in _CONVENTION_KEYS:
                continue
        except (TypeError, KeyError):
            continue
        if key == "gen_ai.operation.name":
            op = (kv.get("value") or {}).get("stringValue")
        elif key == "openinference.span.kind":
            kind = (kv.get("value") or {}).get("stringValue")
        elif key == "llm.request.type":
            req_type = (kv.get("value") or {}).get("stringValue")
            traceloop = True
        else:
            traceloop = True
    if kind is not None:
        return "openinference" if kind == "LLM" else None
    if traceloop:
        return (
            "openllmetry" if op in MODEL_OPERATIONS or req_type in openllmetry.MODEL_REQUEST_TYPES else None
        )
    return "otel" if op in MODEL_OPERATIONS else None


_CONVENTION_KEYS = frozenset(
    {"gen_ai.operation.name", "openinference.span.kind", "llm.request.type", *openllmetry.MARKER_KEYS}
)


def is_model_span(span: dict[str, Any]) -> bool:
    return span_convention(span) is not None


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for k in keys:
        if attrs.get(k) not in (None, ""):
            return as_str(attrs[k], k)
    return None


def _split_system(system: list | None, inputs: list | None) -> tuple[list | None, list | None]:
    """A `system` / `developer` input message is the system prompt, not a turn of the conversation."""
    if not inputs or not any(
        isinstance(m, dict) and m.get("role") in ("system", "developer") for m in inputs
    ):
        return system, inputs
    sys_parts = list(system or [])
    rest = []
    for m in inputs:
        if isinstance(m, dict) and m.get("role") in ("system", "developer"):
            sys_parts.extend(p for p in m.get("parts") or [] if isinstance(p, dict))
        else:
            rest.append(m)
    return sys_parts, rest


def _tool_calls_from_event(value: Any) -> list[dict[str, Any]]:
    calls = maybe_json(value) if isinstance(value, str) else value
    parts = []
    for tc in calls or []:
        fn = tc.get("function", {}) if isinstance(tc, dict) else {}
        parts.append(
            {
                "type": "tool_call",
                "id": tc.get("id") if isinstance(tc, dict) else None,
                "name": fn.get("name"),
                "arguments": maybe_json(fn.get("arguments")),
            }
        )
    return parts


def messages_from_events(events: list[tuple[str, dict[str, Any]]]) -> tuple[list, list, list]:
    """Per-message events / log records -> (system parts, input messages, output messages)."""
    system: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    for name, body in events:
        content = body.get("content")
        if name == "gen_ai.system.message":
            if content is not None:
                system.append({"type": "text", "content": str(content)})
        elif name == "gen_ai.tool.message":
            inputs.append(
                {
                    "role": "tool",
                    "parts": [{"type": "tool_call_response", "id": body.get("id"), "response": content}],
                }
            )
        elif name in ("gen_ai.user.message", "gen_ai.assistant.message"):
            parts = [{"type": "text", "content": str(content)}] if content is not None else []
            parts += _tool_calls_from_event(body.get("tool_calls"))
            inputs.append({"role": name.split(".")[1], "parts": parts})
        elif name == "gen_ai.choice":
            msg = maybe_json(body.get("message")) or {}
            if not isinstance(msg, dict):
                msg = {"content": msg}
            parts = (
                [{"type": "text", "content": str(msg["content"])}] if msg.get("content") is not None else []
            )
            parts += _tool_calls_from_event(msg.get("tool_calls"))
            outputs.append({"role": "assistant", "parts": parts, "finish_reason": body.get("finish_reason")})
    return system, inputs, outputs


def span_to_canonical(
    span: Any,
    resource: dict[str, Any],
    log_events: list[tuple[str, dict]] | None,
    convention: str = "otel",
) -> dict:
    span = as_dict(span, "span")
    trace_id = as_str(span.get("traceId"), "span.traceId", optional=False)
    span_id = as_str(span.get("spanId"), "span.spanId", optional=False)
    start = from_unix_nanos(span.get("startTimeUnixNano"), "span.startTimeUnixNano")
    end = (
        from_unix_nanos(span.get("endTimeUnixNano"), "span.endTimeUnixNano")
        if span.get("endTimeUnixNano") is not None
        else None
    )
    attrs = attributes(span.get("attributes"), "span.attributes")
    res_attrs = attributes(resource.get("attributes"), "resource.attributes")
    status = as_dict(span.get("status"), "span.status")
    code: Any = status.get("code")
    # OTLP/JSON says integers; protobuf's JSON mapping writes enum names unless told otherwise.
    code = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}.get(code, code)
    status_code = as_int(code, "span.status.code")

    def parse_json_attr(key: str) -> Any:
        if key not in attrs:
            return None
        try:
            return json.loads(attrs[key])
        except (TypeError, ValueError) as e:
            raise RecordError("schema_violation", f"{key}: not a JSON string") from e

    span_events: list[tuple[str, int, Any]] = [
        (
            str(ev.get("name")),
            as_int(ev.get("timeUnixNano"), "span.events[].timeUnixNano") or 0,
            ev.get("attributes"),
        )
        for ev in as_list(span.get("events"), "span.events")
        if isinstance(ev, dict)
    ]
    start_ns = int(span["startTimeUnixNano"])  # validated by from_unix_nanos above
    view: dict[str, Any] = {}
    if convention == "openllmetry":
        view = openllmetry.read(attrs, span_events, start_ns)
    elif convention == "openinference":
        view = openinference.read(attrs, span_events, start_ns)
    if "inputs" in view:
        system, inputs, outputs = None, view["inputs"], view["outputs"]
    else:
        system = parse_json_attr("gen_ai.system_instructions")
        inputs = parse_json_attr("gen_ai.input.messages")
        outputs = parse_json_attr("gen_ai.output.messages")
    captured = "attributes" if inputs or outputs or "inputs" not in view else "none"
    if inputs is None:
        events = [
            (str(ev.get("name")), attributes(ev.get("attributes"), "span.events[].attributes"))
            for ev in as_list(span.get("events"), "span.events")
            if isinstance(ev, dict) and ev.get("name") in MESSAGE_EVENTS
        ]
        # Event attributes carry JSON-encoded structures; log bodies carry decoded ones.
        events = [
            (n, {k: maybe_json(v) if k in ("tool_calls", "message") else v for k, v in b.items()})
            for n, b in events
        ]
        captured = "span_events"
        if not events and log_events:
            events, captured = log_events, "log_records"
        if events:
            system, inputs, outputs = messages_from_events(events)
        else:
            captured = "none"
    for name, val in (("gen_ai.input.messages", inputs), ("gen_ai.output.messages", outputs)):
        if val is not None and not isinstance(val, list):
            raise RecordError("schema_violation", f"{name}: expected a JSON list")
    system, inputs = _split_system(system, inputs)

    finish = attrs.get("gen_ai.response.finish_reasons")
    finish_reason = finish[0] if isinstance(finish, list) and finish else None
    if finish_reason is None and outputs:
        finish_reason = outputs[0].get("finish_reason")
    error_type = attrs.get("error.type")
    if error_type is None and status_code == 2:
        for name, _, ev_attrs in span_events:
            if name == "exception":
                exc = attributes(ev_attrs, "span.events[].attributes").get("exception.type")
                error_type = str(exc).rsplit(".", 1)[-1] if exc else None
                break
    is_error = status_code == 2 or error_type is not None
    metadata: dict[str, Any] = {}
    for k, v in attrs.items():
        if k.startswith("app.") and k not in APP_FIELDS:
            metadata[k.removeprefix("app.")] = v
        elif k in ("server.address", "gen_ai.response.id"):
            metadata[k] = v
    metadata["service.name"] = res_attrs.get("service.name")
    metadata["content_capture"] = captured
    context = attrs.get("app.retrieved_context")
    if isinstance(context, str):
        context = maybe_json(context)
    tags = attrs.get("app.tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise RecordError("schema_violation", "app.tags: expected a list of strings")
    fb = attrs.get("app.feedback.score")
    ttft = as_float(attrs.get("app.time_to_first_token_ms"), "app.time_to_first_token_ms")
    row: dict[str, Any] = {
        "call_id": span_id,
        "trace_id": trace_id,
        "span_id": span_id,
        "session_id": _first(attrs, SESSION_ATTRS),
        "user_id": _first(attrs, USER_ATTRS),
        "turn_index": as_int(attrs.get("app.turn_index"), "app.turn_index"),
        "started_at": start,
        "latency_ms": (end - start).total_seconds() * 1000 if end else None,
        "ttft_ms": ttft,
        "provider": as_str(
            attrs.get("gen_ai.provider.name", attrs.get("gen_ai.system")), "gen_ai.provider.name"
        ),
        "request_model": as_str(attrs.get("gen_ai.request.model"), "gen_ai.request.model"),
        "response_model": as_str(attrs.get("gen_ai.response.model"), "gen_ai.response.model"),
        "system_instructions": dumps(system) if system else None,
        "input_messages": dumps(inputs or []),
        "output_messages": dumps(outputs) if outputs else None,
        "retrieved_context": dumps(context) if context else None,
        "tools": None,
        "params": dumps({v: attrs[k] for k, v in PARAM_ATTRS.items() if k in attrs}),
        "input_tokens": as_int(attrs.get("gen_ai.usage.input_tokens"), "gen_ai.usage.input_tokens"),
        "output_tokens": as_int(attrs.get("gen_ai.usage.output_tokens"), "gen_ai.usage.output_tokens"),
        "cost_usd": as_float(attrs.get("app.cost_usd"), "app.cost_usd"),
        "status": "error" if is_error else "ok",
        "finish_reason": finish_reason,
        "error_type": as_str(error_type, "error.type") if is_error else None,
        "error_message": as_str(status.get("message"), "span.status.message") if is_error else None,
        "feedback_score": as_int(fb, "app.feedback.score"),
        "feedback_comment": as_str(attrs.get("app.feedback.comment"), "app.feedback.comment"),
        "tags": tags or [],
        "metadata": dumps(metadata),
    }
    if view:
        for key in _VIEW_FIELDS:
            if view.get(key) is not None and (row[key] is None or key in ("request_model", "response_model")):
                row[key] = view[key]
        if row["ttft_ms"] is None and view.get("ttft_ms") is not None:
            row["ttft_ms"] = view["ttft_ms"]
    if row["ttft_ms"] is None and span_events:  # a GenAI-labelled span from a producer that marks chunks
        first = [t for name, t, _ in span_events if name in _FIRST_TOKEN_EVENTS]
        if first:
            row["ttft_ms"] = (min(first) - start_ns) / 1e6
    if view.get("params"):
        row["params"] = dumps({**view["params"], **json.loads(row["params"])})
    if view.get("tools"):
        row["tools"] = dumps(view["tools"])
    return row

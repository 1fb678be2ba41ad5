"""Shared pieces of the producer-fixture generators: the stand-in endpoint and the call script.

Standard library only, so every generator can import it from its own throwaway venv.  The
stand-in answers `POST /v1/chat/completions` like the OpenAI API: a `chat.completion` body, or
server-sent events when `stream` is true, or an OpenAI-shaped error (HTTP 400 or 429) when the
last user message asks for one.  Answers and token counts are derived from the call's tag
(`[q07]`), so `expected()` knows what every producer should have recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SYSTEM = "You are Brightdesk's support assistant. Answer from the knowledge base."
MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"
DELAY_S = 0.03  # before a non-streamed answer
FIRST_TOKEN_S = 0.06  # before the first streamed chunk
CHUNK_S = 0.01  # between streamed chunks

# 20 calls: (session, user, prompt, stream, error).  Sessions s1 and s2 are multi-turn (history
# carried); 5 calls are streamed; 2 fail (HTTP 400 invalid request, HTTP 429 rate limit).
CALLS: list[dict[str, Any]] = [
    {"session": "s1", "user": "u-ana", "prompt": "How much does the Team plan cost?"},
    {"session": "s1", "user": "u-ana", "prompt": "And is there a yearly discount?"},
    {"session": "s1", "user": "u-ana", "prompt": "Can I switch to it mid-cycle?", "stream": True},
    {"session": "s2", "user": "u-ben", "prompt": "Does Starter include webhooks?"},
    {"session": "s2", "user": "u-ben", "prompt": "What about the API rate limit?", "stream": True},
    {"session": "s3", "user": "u-chen", "prompt": "How do I reset my password?"},
    {"session": "s4", "user": "u-chen", "prompt": "Please FAIL400 this one", "error": 400},
    {"session": "s5", "user": "u-dev", "prompt": "Where do I download invoices?"},
    {"session": "s6", "user": "u-dev", "prompt": "Is SSO available on Team?", "stream": True},
    {"session": "s7", "user": "u-ana", "prompt": "How do I cancel my subscription?"},
    {"session": "s8", "user": "u-ben", "prompt": "Can I export my tickets as CSV?"},
    {"session": "s9", "user": "u-chen", "prompt": "Do you support Slack notifications?"},
    {"session": "s10", "user": "u-dev", "prompt": "What is the uptime SLA?", "stream": True},
    {"session": "s11", "user": "u-ana", "prompt": "Please FAIL429 this one", "error": 429},
    {"session": "s12", "user": "u-ben", "prompt": "How many agents can Starter have?"},
    {"session": "s13", "user": "u-chen", "prompt": "Can I add a custom domain?"},
    {"session": "s14", "user": "u-dev", "prompt": "How do I invite a teammate?", "stream": True},
    {"session": "s15", "user": "u-ana", "prompt": "Is my data stored in the EU?"},
    {"session": "s16", "user": "u-ben", "prompt": "What payment methods do you accept?"},
    {"session": "s17", "user": "u-chen", "prompt": "Can I pause my plan?"},
]
for _i, _c in enumerate(CALLS):
    _c["tag"] = f"[q{_i:02d}]"
    _c.setdefault("stream", False)
    _c.setdefault("error", None)

ERRORS = {
    400: {
        "message": "Invalid value for 'messages'.",
        "type": "invalid_request_error",
        "code": "invalid_value",
    },
    429: {"message": "Rate limit reached for requests.", "type": "requests", "code": "rate_limit_exceeded"},
}
ERROR_CLASS = {400: "BadRequestError", 429: "RateLimitError"}


def answer_for(i: int) -> str:
    return f"Answer {i:02d}: see the Brightdesk knowledge base, section {i + 1}."


def usage_for(i: int, n_messages: int) -> dict[str, int]:
    prompt = 20 + 3 * i + 5 * n_messages
    completion = 8 + i
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def messages_for(i: int) -> list[dict[str, str]]:
    """System prompt, the session's earlier turns (with the stand-in's answers), this prompt."""
    call = CALLS[i]
    msgs = [{"role": "system", "content": SYSTEM}]
    for j in range(i):
        if CALLS[j]["session"] == call["session"] and CALLS[j]["error"] is None:
            msgs.append({"role": "user", "content": f"{CALLS[j]['tag']} {CALLS[j]['prompt']}"})
            msgs.append({"role": "assistant", "content": answer_for(j)})
    msgs.append({"role": "user", "content": f"{call['tag']} {call['prompt']}"})
    return msgs


def expected() -> list[dict[str, Any]]:
    """What each producer's export must yield, one entry per call, in call order."""
    out = []
    for i, c in enumerate(CALLS):
        msgs = messages_for(i)
        ok = c["error"] is None
        u = usage_for(i, len(msgs))
        out.append(
            {
                "index": i,
                "session": c["session"],
                "user": c["user"],
                "prompt": msgs[-1]["content"],
                "n_input_messages": len(msgs) - 1,  # the system prompt is not an input message
                "answer": answer_for(i) if ok else None,
                "stream": c["stream"],
                "status": "ok" if ok else "error",
                "http_status": c["error"],
                "error_class": ERROR_CLASS.get(c["error"]),
                "error_body": ERRORS.get(c["error"]),
                "input_tokens": u["prompt_tokens"] if ok else None,
                "output_tokens": u["completion_tokens"] if ok else None,
            }
        )
    return out


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: Any) -> None:  # quiet
        pass

    def _json(self, code: int, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_standin_{code}")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        last = text_of(body["messages"][-1].get("content"))
        m = re.search(r"\[q(\d+)\]", last)
        i = int(m.group(1)) if m else 0
        err = re.search(r"FAIL(\d{3})", last)
        if err:
            self._json(int(err.group(1)), {"error": ERRORS[int(err.group(1))]})
            return
        usage = usage_for(i, len(body["messages"]))
        cid = f"chatcmpl-standin{i:02d}"
        created = 1794800000 + i * 60
        if not body.get("stream"):
            time.sleep(DELAY_S)
            self._json(
                200,
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": RESPONSE_MODEL,
                    "system_fingerprint": "fp_standin",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "logprobs": None,
                            "message": {"role": "assistant", "content": answer_for(i), "refusal": None},
                        }
                    ],
                    "usage": usage,
                },
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        time.sleep(FIRST_TOKEN_S)

        def chunk(delta: dict[str, Any], finish: str | None, use: dict | None = None) -> None:
            c = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": RESPONSE_MODEL,
                "system_fingerprint": "fp_standin",
                "choices": [] if use else [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if use is not None:
                c["usage"] = use
            self.wfile.write(b"data: " + json.dumps(c).encode() + b"\n\n")
            self.wfile.flush()

        words = answer_for(i).split(" ")
        chunk({"role": "assistant", "content": ""}, None)
        for k, w in enumerate(words):
            chunk({"content": w if k == 0 else " " + w}, None)
            time.sleep(CHUNK_S)
        chunk({}, "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            chunk({}, None, usage)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def serve() -> tuple[ThreadingHTTPServer, str]:
    """Start the stand-in on a free local port; returns (server, base_url ending in /v1)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/v1"


def hex_ids(obj: Any) -> Any:
    """protobuf's JSON mapping writes ids as base64; the OTLP/JSON file format wants hex."""
    import base64

    if isinstance(obj, dict):
        return {
            k: (base64.b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId") and v else hex_ids(v))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [hex_ids(v) for v in obj]
    return obj


def otlp_json_line(spans: Any) -> str:
    """One ExportTraceServiceRequest as the OTLP/JSON file exporter writes it (one line)."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    return json.dumps(hex_ids(MessageToDict(encode_spans(spans), use_integers_for_enums=True)))


def drive_openai(client: Any, tracer: Any, on_call_done: Any, extra_ctx: Any = None) -> None:
    """The 20 calls through the real `openai` client, each inside app spans (27 non-model spans).

    Every call runs under an app span `handle_chat_turn`; every third call also runs a
    `kb.search` span first (7 of them).  `extra_ctx(call)` may return a context manager that
    the producer uses to attach user/session ids; `on_call_done()` exports what was finished.
    """
    import contextlib

    for i, c in enumerate(CALLS):
        with tracer.start_as_current_span("handle_chat_turn", attributes={"http.route": "/chat"}):
            if i % 3 == 0:
                with tracer.start_as_current_span("kb.search", attributes={"kb.top_k": 3}):
                    pass
            ctx = extra_ctx(c) if extra_ctx else contextlib.nullcontext()
            with ctx:
                kw: dict[str, Any] = {
                    "model": MODEL,
                    "messages": messages_for(i),
                    "temperature": 0.2,
                    "max_tokens": 200,
                    "user": c["user"],
                }
                try:
                    if c["stream"]:
                        stream = client.chat.completions.create(
                            stream=True, stream_options={"include_usage": True}, **kw
                        )
                        for _ in stream:
                            pass
                    else:
                        client.chat.completions.create(**kw)
                except Exception as e:
                    assert c["error"], f"call {i} failed unexpectedly: {e!r}"
        on_call_done()

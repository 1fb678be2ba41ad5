"""Make OTLP/JSON fixtures with the real OpenAI instrumentation against a local stand-in endpoint.

Run as a script (each capture mode needs a fresh process: the instrumentation reads its env at
instrument time):  python otel_fixture.py OUT_DIR
Writes OUT_DIR/traces.jsonl and OUT_DIR/logs.jsonl the way the OTLP file exporter does (hex ids,
64-bit integers as strings) and OUT_DIR/expected.json with what was sent.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

SYSTEM = "You are Brightdesk's support assistant."
PROMPTS = ["How much does the Team plan cost?", "Please FAIL this one", "Does Starter include webhooks?"]
ANSWER = "The Team plan is $29 per user per month."


class StandIn(BaseHTTPRequestHandler):
    def log_message(self, *a):  # quiet
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "FAIL" in body["messages"][-1]["content"]:
            data = json.dumps({"error": {"message": "bad request", "type": "invalid_request_error"}}).encode()
            self.send_response(400)
        else:
            data = json.dumps(
                {
                    "id": "chatcmpl-fixture",
                    "object": "chat.completion",
                    "created": 1794800000,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": ANSWER},
                        }
                    ],
                    "usage": {"prompt_tokens": 21, "completion_tokens": 11, "total_tokens": 32},
                }
            ).encode()
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _hex_ids(obj):
    if isinstance(obj, dict):
        return {
            k: (
                base64.b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId") and v else _hex_ids(v)
            )
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_hex_ids(v) for v in obj]
    return obj


def main(out: Path) -> None:
    from google.protobuf.json_format import MessageToDict
    from openai import OpenAI
    from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    server = HTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(spans))
    lp = LoggerProvider()
    lp.add_log_record_processor(SimpleLogRecordProcessor(logs))
    OpenAIInstrumentor().instrument(tracer_provider=tp, logger_provider=lp)
    client = OpenAI(base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="test", max_retries=0)
    for p in PROMPTS:
        try:
            client.chat.completions.create(
                model="gpt-4o-mini",
                temperature=0.2,
                messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": p}],
            )
        except Exception:
            pass
    server.shutdown()
    out.mkdir(parents=True, exist_ok=True)
    trace_req = MessageToDict(encode_spans(spans.get_finished_spans()), use_integers_for_enums=True)
    (out / "traces.jsonl").write_text(json.dumps(_hex_ids(trace_req)) + "\n")
    finished = logs.get_finished_logs()
    if finished:
        (out / "logs.jsonl").write_text(
            json.dumps(_hex_ids(MessageToDict(encode_logs(finished), use_integers_for_enums=True))) + "\n"
        )
    (out / "expected.json").write_text(json.dumps({"system": SYSTEM, "prompts": PROMPTS, "answer": ANSWER}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""OTLP/JSON fixtures from the real OpenLLMetry / OpenInference instrumentation of `openai`.

    python gen_otel.py openllmetry   OUT_DIR   # opentelemetry-instrumentation-openai (Traceloop)
    python gen_otel.py openinference OUT_DIR   # openinference-instrumentation-openai (Arize)
    OPENINFERENCE_ENABLE_GENAI_SEMCONV=true python gen_otel.py openinference OUT_DIR

Run it with the interpreter of a venv that holds the producer (see README.md here).  The real
`openai` client calls the stand-in endpoint (standin.py); spans go through the SDK's in-memory
exporter and are written one export request per line, encoded by the OTLP exporter's own
encoder (`encode_spans`) in the protobuf JSON mapping with hex ids, as the OTLP/JSON file
exporter writes them.  OUT_DIR/_expected.json holds the call script's expectations and the
package versions.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import standin


def main(producer: str, out: Path) -> None:
    from openai import OpenAI
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    tp = TracerProvider(resource=Resource.create({"service.name": "brightdesk-support"}))
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    extra_ctx = None
    if producer == "openllmetry":
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=tp)
        packages = ["opentelemetry-instrumentation-openai"]
    elif producer == "openinference":
        from openinference.instrumentation import using_attributes
        from openinference.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=tp)
        packages = ["openinference-instrumentation-openai", "openinference-instrumentation"]

        def extra_ctx(c):
            return using_attributes(session_id=c["session"], user_id=c["user"])
    else:
        raise SystemExit(f"unknown producer {producer!r}")

    server, url = standin.serve()
    client = OpenAI(base_url=url, api_key="test", max_retries=0)
    lines: list[str] = []

    def flush() -> None:
        spans = exporter.get_finished_spans()
        if spans:
            lines.append(standin.otlp_json_line(spans))
        exporter.clear()

    standin.drive_openai(client, tp.get_tracer("brightdesk.app"), flush, extra_ctx)
    server.shutdown()
    out.mkdir(parents=True, exist_ok=True)
    (out / "traces.jsonl").write_text("\n".join(lines) + "\n")
    versions = {p: version(p) for p in [*packages, "openai", "opentelemetry-sdk"]}
    (out / "_expected.json").write_text(
        json.dumps(
            {
                "producer": producer,
                "versions": versions,
                "system": standin.SYSTEM,
                "non_model_spans": 27,
                "calls": standin.expected(),
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))

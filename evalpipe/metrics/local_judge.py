"""The local small model as an LLM judge, through the same inference path as the systems under test.

The demo has no judge endpoint, so it judges with SmolLM2 via `run_inference` (batched, cached by
content hash).  A 135M model is a poor judge; calibration against the human labels says so, and
the gate then leaves its scores out — which is the mechanism this demonstrates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalpipe.inference import parse_system, run_inference
from evalpipe.sampling.text import blake2b_hex, canonical_json

DEFAULT_JUDGE_SYSTEM = {
    "backend": "transformers",
    "model": "smollm2-135m-instruct",
    "template": {"name": "judge", "version": "1", "system_prompt": ""},
    "decoding": {"max_new_tokens": 48, "temperature": 0.0, "top_p": 1.0, "seed": 0},
    "options": {"batch_size": 32, "num_threads": 2, "device": "cpu"},
}


def local_generate_fn(cache_dir: str | Path, system: dict[str, Any] | None = None):
    """A `list[messages] -> list[str]` callable backed by `run_inference` on a local model."""
    spec = parse_system("local-judge", system or DEFAULT_JUDGE_SYSTEM)

    def generate(batch: list[list[dict[str, str]]]) -> list[str]:
        examples = [
            {
                "example_id": f"j{i}",
                "content_hash": blake2b_hex(canonical_json(m), digest_size=16),
                "messages": m,
            }
            for i, m in enumerate(batch)
        ]
        df, _ = run_inference(spec, examples, Path(cache_dir), progress=False)
        return [t if isinstance(t, str) else "" for t in df["text"].tolist()]

    generate.fingerprint = spec.fingerprint  # type: ignore[attr-defined]
    return generate

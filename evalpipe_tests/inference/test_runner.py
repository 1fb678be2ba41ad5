from __future__ import annotations

import pandas as pd
import pytest

from evalpipe.inference.backends.base import Backend
from evalpipe.inference.cache import OutputCache
from evalpipe.inference.runner import run_inference
from evalpipe.inference.types import GenerationResult
from evalpipe_tests.inference.conftest import make_example


class CountingBackend(Backend):
    """Wraps a real backend; counts requests; optionally crashes after N requests were served."""

    name = "counting"

    def __init__(self, inner: Backend, crash_after: int | None = None, fail_ids: set[str] | None = None):
        super().__init__(inner.system)
        self.inner, self.crash_after, self.fail_ids = inner, crash_after, fail_ids or set()
        self.tokenizer, self.context_window = inner.tokenizer, inner.context_window
        self.seen: list[str] = []

    @property
    def preferred_batch_size(self) -> int:
        return 2

    def generate(self, requests):
        if self.crash_after is not None and len(self.seen) + len(requests) > self.crash_after:
            raise RuntimeError("simulated crash (OOM / kill)")
        self.seen += [r.example_id for r in requests]
        out = self.inner.generate(requests)
        return [
            GenerationResult.failed(r, "boom") if r.example_id in self.fail_ids else o
            for r, o in zip(requests, out, strict=True)
        ]


class ExplodingBackend(CountingBackend):
    def generate(self, requests):
        raise AssertionError("backend must not be called on a full cache hit")


def test_results_and_stats(tmp_path, tiny_backend, examples):
    df, stats = run_inference(tiny_backend.system, examples, tmp_path, backend=tiny_backend, progress=False)
    assert list(df["example_id"]) == [e["example_id"] for e in examples]
    assert stats["n"] == len(examples) and stats["cache_hits"] == 0 and stats["failures"] == 0
    assert stats["generated_tokens"] == int(df["output_tokens"].sum()) > 0 and stats["tokens_per_s"] > 0
    assert (df["fingerprint"] == tiny_backend.system.fingerprint).all() and not df["cached"].any()
    assert df["finish_reason"].isin(["stop", "length"]).all()


def test_cache_hit_on_rerun_does_no_inference(tmp_path, tiny_backend, examples):
    df1, _ = run_inference(tiny_backend.system, examples, tmp_path, backend=tiny_backend, progress=False)
    df2, stats = run_inference(
        tiny_backend.system, examples, tmp_path, backend=ExplodingBackend(tiny_backend), progress=False
    )
    assert stats["cache_hits"] == len(examples) and stats["generated"] == 0 and df2["cached"].all()
    pd.testing.assert_series_equal(df1["text"], df2["text"])
    assert [list(x) for x in df1["completion_token_ids"]] == [list(x) for x in df2["completion_token_ids"]]
    # a changed system (new template version) is a different fingerprint: no hits
    other = tiny_backend.system.__class__(**{**tiny_backend.system.__dict__, "model_revision": "2"})
    counting = CountingBackend(tiny_backend)
    _, s3 = run_inference(other, examples[:2], tmp_path, backend=counting, progress=False)
    assert s3["cache_hits"] == 0 and len(counting.seen) == 2


def test_resume_after_crash(tmp_path, tiny_backend, examples):
    crashing = CountingBackend(tiny_backend, crash_after=5)  # batches of 2: batches 1-2 finish, 3rd crashes
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_inference(tiny_backend.system, examples, tmp_path, backend=crashing, progress=False)
    assert len(OutputCache(tmp_path, tiny_backend.system.fingerprint).load()) == 4
    resumed = CountingBackend(tiny_backend)
    df, stats = run_inference(tiny_backend.system, examples, tmp_path, backend=resumed, progress=False)
    assert stats["cache_hits"] == 4 and len(resumed.seen) == len(examples) - 4
    assert not set(resumed.seen) & set(crashing.seen)
    assert df["finish_reason"].isin(["stop", "length"]).all() and len(df) == len(examples)


def test_failures_are_recorded_then_retried(tmp_path, tiny_backend, examples):
    flaky = CountingBackend(tiny_backend, fail_ids={"ex-1"})
    df, stats = run_inference(tiny_backend.system, examples, tmp_path, backend=flaky, progress=False)
    row = df.set_index("example_id").loc["ex-1"]
    assert stats["failures"] == 1 and row["finish_reason"] == "error" and row["error"] == "boom"
    again = CountingBackend(tiny_backend)
    df2, stats2 = run_inference(tiny_backend.system, examples, tmp_path, backend=again, progress=False)
    assert again.seen == ["ex-1"] and stats2["failures"] == 0 and stats2["cache_hits"] == len(examples) - 1


def test_duplicate_content_generated_once(tmp_path, tiny_backend):
    exs = [
        make_example(0, "same"),
        {**make_example(0, "same"), "example_id": "dup"},
        make_example(2, "other"),
    ]
    counting = CountingBackend(tiny_backend)
    df, _ = run_inference(tiny_backend.system, exs, tmp_path, backend=counting, progress=False)
    assert len(counting.seen) == 2 and list(df["example_id"]) == ["ex-0", "dup", "ex-2"]
    assert df["text"][0] == df["text"][1]


def test_accepts_canonical_log_messages(tmp_path, tiny_backend):
    ex = {
        "example_id": "x",
        "content_hash": "h",
        "messages": '[{"role": "user", "parts": [{"type": "text", "content": "hello there"}]}]',
    }
    df, _ = run_inference(tiny_backend.system, [ex], tmp_path, backend=tiny_backend, progress=False)
    prompt = tiny_backend.tokenizer.decode(list(df["prompt_token_ids"][0]))
    assert "hello there" in prompt and "You are a support assistant." in prompt

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch

from evalpipe.inference.hidden import (
    LAYER_CONVENTION,
    extract_hidden_states,
    hidden_matrix,
    hidden_states_table,
    resolve_layers,
    run_hidden_states,
)
from evalpipe.inference.runner import run_inference
from evalpipe_tests.inference.conftest import PROMPTS


def _seqs(tok, n=5):
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        p = list(rng.integers(3, 5000, size=3 + 4 * i))
        c = list(rng.integers(3, 5000, size=1 + (i * 3) % 7))
        out.append(([int(x) for x in p], [int(x) for x in c]))
    return out


@pytest.mark.parametrize("shared", [False, True])
def test_extraction_equals_plain_forward(tiny, shared):
    model, tok = tiny
    seqs = _seqs(tok)
    if shared:  # a common system-prompt-like prefix: computed once, KV cache repeated
        seqs = [(list(range(100, 120)) + p, c) for p, c in seqs]
    hs = extract_hidden_states(model, seqs, "all", max_batch_tokens=10_000)
    assert hs.layers == [0, 1, 2]
    assert (hs.shared_prefix_tokens > 0) == shared
    for i, (p, c) in enumerate(seqs):
        with torch.inference_mode():
            ref = model(torch.tensor([p + c]), output_hidden_states=True)
        states = ref.hidden_states
        assert len(states) == 3
        for k, layer in enumerate(hs.layers):
            h = states[layer][0]
            np.testing.assert_allclose(hs.last_prompt[i, k], h[len(p) - 1].numpy(), atol=1e-4, rtol=1e-4)
            np.testing.assert_allclose(hs.last_completion[i, k], h[-1].numpy(), atol=1e-4, rtol=1e-4)
            np.testing.assert_allclose(
                hs.mean_completion[i, k], h[len(p) :].mean(0).numpy(), atol=1e-4, rtol=1e-4
            )
        logp = torch.log_softmax(ref.logits[0, len(p) - 1 : -1], -1)
        expect = logp.gather(1, torch.tensor(c)[:, None]).mean().item()
        assert abs(hs.mean_logprob[i] - expect) < 1e-4


def test_batching_does_not_change_states(tiny):
    model, tok = tiny
    seqs = _seqs(tok, 6)
    big = extract_hidden_states(model, seqs, [1, -1], max_batch_tokens=10_000)
    small = extract_hidden_states(model, seqs, [1, -1], max_batch_size=1)
    assert big.layers == [1, 2]
    np.testing.assert_allclose(big.mean_completion, small.mean_completion, atol=1e-4)


def test_layer_resolution():
    assert resolve_layers("all", 30) == list(range(31))
    assert resolve_layers([0, -1, 15], 30) == [0, 15, 30]
    with pytest.raises(ValueError, match="out of range"):
        resolve_layers([31], 30)


def test_table_is_float16_fixed_size_with_convention(tiny):
    model, tok = tiny
    seqs = _seqs(tok, 3) + [([5, 6, 7], [])]  # last one: no completion tokens
    hs = extract_hidden_states(model, seqs, "all")
    ids = pd.DataFrame({"example_id": list("abcd"), "content_hash": list("ABCD")})
    t = hidden_states_table(hs, ids, model_name="tiny")
    assert t.num_rows == 4 * 3
    assert t.schema.field("mean_completion").type == pa.list_(pa.float16(), 64)
    assert t.schema.metadata[b"layer_convention"].decode() == LAYER_CONVENTION
    eids, mat = hidden_matrix(t, 2, "last_completion")
    assert eids == list("abcd") and mat.shape == (4, 64) and mat.dtype == np.float32
    np.testing.assert_allclose(mat, hs.last_completion[:, 2], rtol=2e-3, atol=2e-3)  # float16 round trip
    # no completion: last completion := last prompt token, mean undefined
    np.testing.assert_array_equal(hs.last_completion[3], hs.last_prompt[3])
    assert np.isnan(hs.mean_completion[3]).all() and np.isnan(hs.mean_logprob[3])


def test_run_hidden_states_caches(tmp_path, tiny_backend, examples):
    system = tiny_backend.system
    out, _ = run_inference(system, examples, tmp_path, backend=tiny_backend, progress=False)
    t1, s1 = run_hidden_states(system, out, tmp_path, model=tiny_backend.model, layers=[0, -1])
    assert s1["extracted"] == len(PROMPTS) and t1.num_rows == 2 * len(PROMPTS)
    assert t1["example_id"].to_pylist()[::2] == [e["example_id"] for e in examples]
    t2, s2 = run_hidden_states(system, out, tmp_path, model=tiny_backend.model, layers=[0, -1])
    assert s2["extracted"] == 0 and s2["cache_hits"] == len(PROMPTS)
    assert t2.equals(t1)
    # logprob="auto" reused generation's values; "always" recomputes them in the pass: they agree.
    np.testing.assert_allclose(t1["mean_logprob"].to_numpy()[::2], out["mean_logprob"].to_numpy())
    t3, _ = run_hidden_states(
        system, out, tmp_path / "other", model=tiny_backend.model, layers=[-1], logprob="always"
    )
    np.testing.assert_allclose(t3["mean_logprob"].to_numpy(), out["mean_logprob"].to_numpy(), atol=1e-4)


def test_run_hidden_states_skips_failed_rows(tmp_path, tiny_backend, examples):
    out, _ = run_inference(tiny_backend.system, examples[:3], tmp_path, backend=tiny_backend, progress=False)
    out.loc[1, "finish_reason"] = "error"
    t, s = run_hidden_states(tiny_backend.system, out, tmp_path, model=tiny_backend.model, layers=[0])
    assert s["skipped"] == 1 and t["example_id"].to_pylist() == ["ex-0", "ex-2"]

from __future__ import annotations

import torch

from evalpipe.inference.backends.transformers_backend import TransformersBackend
from evalpipe.inference.hidden import extract_hidden_states
from evalpipe.inference.templating import Templater
from evalpipe_tests.inference.conftest import PROMPTS, make_example, tiny_system


def _requests(system, backend, texts):
    t = Templater(system, backend.tokenizer, backend.context_window)
    return [t.build(make_example(i, x)) for i, x in enumerate(texts)]


def _reference_greedy(model, ids, n):
    """Plain unbatched greedy decoding with no cache: the definition of the right answer."""
    seq = list(ids)
    with torch.inference_mode():
        for _ in range(n):
            nxt = int(model(torch.tensor([seq]), logits_to_keep=1).logits[0, -1].argmax())
            seq.append(nxt)
            if nxt == 2:
                break
    return seq[len(ids) :]


def test_batched_greedy_equals_unbatched(tiny):
    model, tok = tiny
    batched = TransformersBackend(tiny_system(batch_size=8, max_new_tokens=10), model=model, tokenizer=tok)
    single = TransformersBackend(tiny_system(batch_size=1, max_new_tokens=10), model=model, tokenizer=tok)
    reqs = _requests(batched.system, batched, PROMPTS)
    assert len({len(r.prompt_token_ids) for r in reqs}) > 3  # really different lengths -> real padding
    rb, rs = batched.generate(reqs), single.generate(reqs)
    assert batched.n_calls == 1 and single.n_calls == len(PROMPTS)
    assert batched.shared_prefix_tokens > 0  # the system prompt's KV cache was shared in the batch
    assert [r.example_id for r in rb] == [r.example_id for r in reqs]  # order restored after sorting
    for k, (a, b, req) in enumerate(zip(rb, rs, reqs, strict=True)):
        assert a.completion_token_ids == b.completion_token_ids
        if k % 2 == 0:  # and both equal the no-cache, no-padding definition
            assert a.completion_token_ids == _reference_greedy(model, req.prompt_token_ids, 10)
        assert a.prompt_token_ids == req.prompt_token_ids
        assert a.finish_reason == ("stop" if a.completion_token_ids[-1] == 2 else "length")
        assert a.output_tokens == len(a.completion_token_ids) and a.input_tokens == len(req.prompt_token_ids)


def test_generation_logprob_matches_teacher_forced(tiny_backend):
    reqs = _requests(tiny_backend.system, tiny_backend, PROMPTS[:4])
    res = tiny_backend.generate(reqs)
    hs = extract_hidden_states(
        tiny_backend.model, [(r.prompt_token_ids, r.completion_token_ids) for r in res], [0]
    )
    for r, lp in zip(res, hs.mean_logprob, strict=True):
        assert r.mean_logprob is not None and r.mean_logprob < 0
        assert abs(r.mean_logprob - lp) < 1e-3


def test_seeded_sampling_is_reproducible(tiny):
    model, tok = tiny
    sys_ = tiny_system(decoding={"temperature": 1.0, "top_p": 0.9, "seed": 7}, max_new_tokens=8)
    b = TransformersBackend(sys_, model=model, tokenizer=tok)
    reqs = _requests(sys_, b, PROMPTS[:3])
    a1 = [r.completion_token_ids for r in b.generate(reqs)]
    a2 = [r.completion_token_ids for r in b.generate(reqs)]
    assert a1 == a2


def test_empty_prompt_is_still_templated(tiny_backend):
    req = _requests(tiny_backend.system, tiny_backend, [""])[0]
    # The template still yields tokens (system prompt + empty user turn + assistant header).
    text = tiny_backend.tokenizer.decode(req.prompt_token_ids)
    assert "You are a support assistant." in text and text.endswith("<|im_start|>assistant\n")
    res = tiny_backend.generate([req])[0]
    assert res.finish_reason in ("stop", "length") and res.error is None and res.output_tokens > 0


def test_no_tokens_at_all_is_a_recorded_error(tiny_backend):
    req = _requests(tiny_backend.system, tiny_backend, ["x", "y"])
    req[0].prompt_token_ids = []
    res = tiny_backend.generate(req)
    assert res[0].finish_reason == "error" and "empty prompt" in res[0].error
    assert res[1].finish_reason != "error"


def test_overlong_prompt_is_left_truncated_with_flag(tiny_backend):
    # Context window 128, max_new_tokens 8 -> at most 120 prompt tokens.
    long = " ".join(f"word{i}" for i in range(400))
    reqs = _requests(tiny_backend.system, tiny_backend, [long, "short"])
    assert reqs[0].truncated_prompt and len(reqs[0].prompt_token_ids) == 120
    assert not reqs[1].truncated_prompt
    # the generation prompt (end) survives truncation
    assert tiny_backend.tokenizer.decode(reqs[0].prompt_token_ids).endswith("<|im_start|>assistant\n")
    res = tiny_backend.generate(reqs)
    assert res[0].truncated_prompt and res[0].finish_reason != "error"
    assert len(res[0].prompt_token_ids) + len(res[0].completion_token_ids) <= 128


def test_prefix_sharing_changes_nothing(tiny):
    model, tok = tiny
    on = TransformersBackend(tiny_system(batch_size=8, max_new_tokens=10), model=model, tokenizer=tok)
    off = TransformersBackend(
        tiny_system(batch_size=8, max_new_tokens=10, options={"prefix_sharing": False}),
        model=model,
        tokenizer=tok,
    )
    reqs = _requests(on.system, on, PROMPTS)
    a, b = on.generate(reqs), off.generate(reqs)
    assert on.shared_prefix_tokens > 0 and off.shared_prefix_tokens == 0
    for x, y in zip(a, b, strict=True):
        assert x.completion_token_ids == y.completion_token_ids
        assert abs(x.mean_logprob - y.mean_logprob) < 1e-4


def test_one_long_prompt_does_not_pad_a_batch_of_short_ones(tiny):
    from evalpipe.inference.models import build_tiny_llama

    model, tok = build_tiny_llama(max_position_embeddings=1024, tokenizer=tiny[1])
    backend = TransformersBackend(tiny_system(batch_size=8, max_new_tokens=2), model=model, tokenizer=tok)
    long_text = "word " * 700
    reqs = _requests(backend.system, backend, [long_text, *PROMPTS[:5]])
    assert len(reqs[0].prompt_token_ids) > 2 * max(len(r.prompt_token_ids) for r in reqs[1:]) + 256
    results = backend.generate(reqs)
    assert backend.n_calls == 2, "the long prompt runs alone; the short ones share one batch"
    assert [r.example_id for r in results] == [r.example_id for r in reqs]


def test_rows_that_stop_early_leave_the_batch_and_match_unbatched(tiny):
    """Force early EOS at different steps: whether finished rows leave the batch at once or ride
    along to the end, every row equals its unbatched run, cut at its first stop token."""
    model, tok = tiny
    texts = [f"{p} (variant {k})" for k in range(3) for p in PROMPTS][:20]
    free = TransformersBackend(tiny_system(batch_size=32, max_new_tokens=12), model=model, tokenizer=tok)
    reqs = _requests(free.system, free, texts)
    unconstrained = [r.completion_token_ids for r in free.generate(reqs)]
    # Tokens that some rows emit early and others late or never become extra stop tokens.
    stops = {unconstrained[i][1 + i % 10] for i in range(0, len(texts), 4)}
    runs = []
    for size, fraction in ((32, 0.0), (32, 1.0), (1, 0.0)):  # drop at once, never drop, unbatched
        b = TransformersBackend(
            tiny_system(batch_size=size, max_new_tokens=12, options={"drop_finished_fraction": fraction}),
            model=model,
            tokenizer=tok,
        )
        b.eos_ids = [*b.eos_ids, *sorted(stops)]
        runs.append(b.generate(reqs))
    stopped_at = []
    for full, a, a2, b in zip(unconstrained, *runs, strict=True):
        assert a.completion_token_ids == a2.completion_token_ids
        cut = next((k + 1 for k, t in enumerate(full) if t == 2 or t in stops), len(full))
        assert a.completion_token_ids == full[:cut] == b.completion_token_ids
        assert a.finish_reason == ("stop" if a.completion_token_ids[-1] in (2, *stops) else "length")
        assert abs(a.mean_logprob - b.mean_logprob) < 1e-4
        stopped_at.append(cut)
    assert len(set(stopped_at)) > 2, "rows must stop at different steps for this test to mean anything"


def test_prefill_groups_split_on_length_drops():
    from evalpipe.inference.backends.transformers_backend import prefill_groups

    assert prefill_groups([100, 95, 81, 79, 40, 39, 5]) == [[0, 1, 2], [3], [4, 5], [6]]
    assert prefill_groups([7]) == [[0]]


def test_packed_vocabulary_projection_matches_the_model(tiny):
    model, tok = tiny
    backend = TransformersBackend(tiny_system(), model=model, tokenizer=tok)
    assert backend._head is not None  # CPU + llama: the oneDNN path is the one under test
    ids = torch.tensor([[5, 17, 300, 42, 7]])
    with torch.inference_mode():
        ref = model(ids).logits[:, -1].float()
        got, _ = backend._forward(input_ids=ids, use_cache=True)
    assert torch.allclose(got, ref, atol=1e-4)
    off = TransformersBackend(tiny_system(options={"packed_lm_head": False}), model=model, tokenizer=tok)
    assert off._head is None

from __future__ import annotations

import torch

from evalpipe.inference.attention import grouped_query_attention, padding_safe_mask, register_gqa_attention
from evalpipe.inference.models import build_tiny_llama


def _sdpa_reference(q, k, v, mask):
    g = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2)


def test_kernel_equals_sdpa_with_padding_and_causal_masks():
    torch.manual_seed(0)
    b, h, kvh, q, length, d = 3, 6, 2, 5, 9, 16
    query, key, value = (
        torch.randn(b, h, q, d),
        torch.randn(b, kvh, length, d),
        torch.randn(b, kvh, length, d),
    )
    mask = torch.ones(q, length, dtype=torch.bool).tril(length - q)[None, None].repeat(b, 1, 1, 1)
    mask[1, :, :, :3] = False  # left padding of row 1
    out, _ = grouped_query_attention(None, query, key, value, mask)
    assert torch.allclose(out, _sdpa_reference(query, key, value, mask), atol=1e-5)
    none, _ = grouped_query_attention(None, query, key, value, None)  # None = plain causal
    causal = torch.ones(q, length, dtype=torch.bool).tril(length - q)[None, None]
    assert torch.allclose(none, _sdpa_reference(query, key, value, causal), atol=1e-5)


def test_fully_masked_padding_rows_stay_finite():
    query, key, value = torch.randn(1, 4, 3, 8), torch.randn(1, 2, 3, 8), torch.randn(1, 2, 3, 8)
    # Row 0 of the mask (a left-padding query position) attends to nothing under plain SDPA rules.
    mask = padding_safe_mask(
        batch_size=1,
        q_length=3,
        kv_length=3,
        attention_mask=torch.tensor([[False, True, True]]),
        allow_is_causal_skip=False,
    )
    out, _ = grouped_query_attention(None, query, key, value, mask)
    assert torch.isfinite(out).all()


def test_registered_kernel_gives_the_models_own_hidden_states():
    model, _ = build_tiny_llama(seed=3, max_position_embeddings=64)
    ids = torch.tensor([[1, 5, 9, 33, 7, 2], [0, 0, 4, 8, 15, 16]])
    att = torch.tensor([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]])
    with torch.inference_mode():
        model.set_attn_implementation("sdpa")
        ref = model(ids, attention_mask=att, output_hidden_states=True).hidden_states
        model.set_attn_implementation(register_gqa_attention())
        got = model(ids, attention_mask=att, output_hidden_states=True).hidden_states
    for a, b in zip(ref, got, strict=True):
        assert torch.allclose(a[att.bool()], b[att.bool()], atol=1e-5)

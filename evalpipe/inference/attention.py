"""A grouped-query attention kernel for small CPU batches, registered with transformers.

transformers' SDPA path repeats every K/V head to the number of query heads before calling
`scaled_dot_product_attention` (a copy of the whole KV cache per layer per step), and the CPU
flash kernel is tuned for long queries. In batched decoding the query is one token and the
matmuls are tiny, so that copy and the kernel's set-up dominate: measured ~10% of a SmolLM2
decode step at batch 128. Here the query heads of a group are folded into the query-length
axis instead (`[B, kv_heads, groups * q, d]`), so K/V are used in place by two batched matmuls.

Registered through transformers' public extension points (`AttentionInterface`,
`AttentionMaskInterface`) under the name below, and used with
`model.set_attn_implementation(GQA_ATTENTION)`.
"""

from __future__ import annotations

from typing import Any

import torch

GQA_ATTENTION = "evalpipe_gqa"


def grouped_query_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float | None = None,
    dropout: float = 0.0,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Softmax attention for `query [B, H, q, d]` over `key/value [B, KVH, L, d]` (H = g x KVH).

    `attention_mask` is the boolean mask of `padding_safe_mask` (True = attend, shape
    [B, 1, q, L]) or None, meaning plain causal.
    """
    b, h, q, d = query.shape
    kvh, length = key.shape[1], key.shape[-2]
    g = h // kvh
    scale = scaling if scaling is not None else d**-0.5
    scores = torch.matmul(query.reshape(b, kvh, g * q, d), key.transpose(-1, -2)).mul_(scale)
    if attention_mask is None and q > 1:
        causal = torch.ones(q, length, dtype=torch.bool, device=query.device).tril(length - q)
        attention_mask = causal[None, None]
    if attention_mask is not None:
        mask = attention_mask[..., :length]
        if mask.dtype != torch.bool:
            mask = mask > torch.finfo(mask.dtype).min / 2
        scores = scores.view(b, kvh, g, q, length).masked_fill_(~mask[:, :, None], float("-inf"))
        scores = scores.view(b, kvh, g * q, length)
    probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(value.dtype)
    out = torch.matmul(probs, value).view(b, kvh, g, q, d).reshape(b, h, q, d)
    return out.transpose(1, 2).contiguous(), None


def padding_safe_mask(*args: Any, **kwargs: Any) -> torch.Tensor | None:
    """transformers' SDPA mask, except that a query row with nothing to attend to (a padding
    position) may attend everywhere: softmax over an all-masked row is NaN, and a NaN key or
    value at a padding column would poison real rows through `0 * NaN`. The padding rows'
    outputs are never read. Built once per forward, shared by every layer."""
    from transformers.masking_utils import sdpa_mask

    mask = sdpa_mask(*args, **kwargs)
    if mask is not None and mask.dtype == torch.bool:
        mask = mask | ~mask.any(-1, keepdim=True)
    return mask


def register_gqa_attention() -> str:
    """Register the kernel (idempotent) and return its `attn_implementation` name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS

    AttentionInterface.register(GQA_ATTENTION, grouped_query_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(GQA_ATTENTION, padding_safe_mask)
    return GQA_ATTENTION

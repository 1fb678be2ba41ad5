"""transformers backend: batched, length-sorted, left-padded generation (CPU default, GPU capable)."""

from __future__ import annotations

import time
from typing import Any, Literal, cast

import torch
from transformers.cache_utils import DynamicCache, DynamicLayer

from evalpipe.inference.attention import register_gqa_attention
from evalpipe.inference.backends.base import Backend
from evalpipe.inference.models import load_model_and_tokenizer, prepare_tokenizer
from evalpipe.inference.systems import SystemSpec
from evalpipe.inference.types import GenerationRequest, GenerationResult


def _cache_of(output: Any) -> Any:
    """The KV cache a transformers forward returned (named `cache` since transformers 5)."""
    return output["cache"] if "cache" in output else output.past_key_values


class _PreallocatedLayer(DynamicLayer):
    """A KV-cache layer with room for the whole completion allocated up front.

    transformers' `DynamicLayer` grows by `torch.cat`, copying the layer's whole cache at every
    decode step (measured 17% of a batch-128 SmolLM2 step). Here a step writes one column in
    place and attention reads a view; dropping finished rows is one index per layer.
    """

    def __init__(self, keys: torch.Tensor, values: torch.Tensor, length: int):
        super().__init__()
        self.k_buf, self.v_buf, self.length = keys, values, length
        self.device, self.is_initialized = keys.device, True
        self._views()

    def _views(self) -> None:
        self.keys = self.k_buf[:, :, : self.length]
        self.values = self.v_buf[:, :, : self.length]

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any):
        n = key_states.shape[-2]
        if self.length + n > self.k_buf.shape[-2]:
            raise RuntimeError("preallocated KV cache is full (more steps than max_new_tokens)")
        self.k_buf[:, :, self.length : self.length + n] = key_states
        self.v_buf[:, :, self.length : self.length + n] = value_states
        self.length += n
        self._views()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self.k_buf, self.v_buf = self.k_buf[indices], self.v_buf[indices]
        self._views()


def prefill_groups(rest_lengths: list[int], min_ratio: float = 0.8) -> list[list[int]]:
    """Split a batch sorted longest first into prefill groups of similar length.

    Each group is prefilled with padding only to its own longest prompt (a new group starts when
    a prompt is shorter than `min_ratio` x the group's longest), then the groups' caches are
    merged for decoding, where masked columns cost attention only, not matmuls.
    """
    groups: list[list[int]] = []
    top = 0
    for i, n in enumerate(rest_lengths):
        if not groups or n < min_ratio * top:
            groups.append([])
            top = n
        groups[-1].append(i)
    return groups


def shared_prefix_len(seqs: list[list[int]], max_len: int) -> int:
    """Length of the longest common prefix of `seqs`, capped at `max_len`."""
    first = seqs[0]
    n = min(max_len, len(first))
    for s in seqs[1:]:
        k = 0
        lim = min(n, len(s))
        while k < lim and s[k] == first[k]:
            k += 1
        n = k
        if n == 0:
            break
    return max(0, n)


class TransformersBackend(Backend):
    name = "transformers"
    tokenizer: Any  # never None here: __init__ requires one (the base allows None for text-only endpoints)

    def __init__(
        self,
        system: SystemSpec,
        models_dir: str | None = None,
        model: Any | None = None,
        tokenizer: Any | None = None,
    ):
        super().__init__(system)
        opts = system.options
        if opts.get("num_threads"):
            torch.set_num_threads(int(opts["num_threads"]))
        self.device = str(opts.get("device", "cuda" if torch.cuda.is_available() else "cpu"))
        if model is None:
            model, tokenizer = load_model_and_tokenizer(
                system.model, models_dir, device=self.device, dtype=str(opts.get("dtype", "float32"))
            )
        if tokenizer is None:
            raise ValueError("a tokenizer is required when a model object is passed")
        self.model = self.hf_model = model.eval()
        self.device = str(next(model.parameters()).device)
        self.tokenizer = prepare_tokenizer(tokenizer)
        if getattr(model.config, "sliding_window", None) and getattr(
            model.config, "use_sliding_window", True
        ):
            raise ValueError(
                f"{system.model}: sliding-window attention is not supported by the transformers backend's "
                "decode loop; use the vllm or openai backend for this model"
            )
        # Attention kernel: on CPU the grouped-query kernel (see evalpipe.inference.attention);
        # on GPU transformers' SDPA. Option `attention` overrides (sdpa, eager, evalpipe_gqa).
        attention = str(opts.get("attention", "auto"))
        if attention == "auto":
            attention = "sdpa" if self.device.startswith("cuda") else register_gqa_attention()
        elif attention == "evalpipe_gqa":
            register_gqa_attention()
        if getattr(model.config, "_attn_implementation", None) != attention:
            model.set_attn_implementation(attention)
        self._decoder = model.get_decoder() if hasattr(model, "get_decoder") else None
        self._head = self._packed_head(model) if opts.get("packed_lm_head", True) else None
        self.context_window = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
        self.batch_size = int(opts.get("batch_size", 32))
        self.max_batch_tokens = int(opts.get("max_batch_tokens", 65536))
        eos = model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_ids: list[int] = list(eos) if isinstance(eos, (list, tuple)) else [int(eos)]
        self.pad_id = int(
            self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.eos_ids[0]
        )
        # Shared-prefix reuse: the system prompt + chat header is identical across a batch, so its
        # KV cache is computed once (batch 1) and repeated, as vLLM's prefix caching does.
        self.prefix_sharing = bool(opts.get("prefix_sharing", True))
        self.min_shared_prefix = int(opts.get("min_shared_prefix", 8))
        self.drop_finished_fraction = float(opts.get("drop_finished_fraction", 1 / 16))
        self.n_calls = 0  # batches decoded (tests and stats)
        self.shared_prefix_tokens = 0  # prompt tokens not recomputed thanks to prefix sharing

    def generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        results: list[GenerationResult | None] = [None] * len(requests)
        valid = []
        for i, r in enumerate(requests):
            if not r.prompt_token_ids:
                results[i] = GenerationResult.failed(r, "empty prompt: templating produced no tokens")
            else:
                valid.append(i)
        # Longest first: padding is minimal inside each batch, and an OOM shows up on the first batch.
        valid.sort(key=lambda i: len(requests[i].prompt_token_ids), reverse=True)
        start = 0
        while start < len(valid):
            longest = len(requests[valid[start]].prompt_token_ids) + self.system.decoding.max_new_tokens
            size = max(1, min(self.batch_size, self.max_batch_tokens // max(1, longest)))
            chunk = valid[start : start + size]
            # Never batch a short prompt with one more than twice its length: prefill groups keep
            # the matmuls unpadded, but every row's KV cache (memory, and attention at each decode
            # step) is as wide as the batch's longest prompt.
            top = len(requests[chunk[0]].prompt_token_ids)
            chunk = [
                i for i in chunk if (n := len(requests[i].prompt_token_ids)) >= top // 2 or top - n < 256
            ]
            size = len(chunk)
            for i, res in zip(chunk, self._generate_batch([requests[i] for i in chunk]), strict=True):
                results[i] = res
            start += size
        return [r for r in results if r is not None]

    def _packed_head(self, model: Any) -> Any | None:
        """The output projection with its weight pre-packed for oneDNN (CPU only).

        At decode shapes (a few dozen rows x 49,152 vocabulary) MKL's sgemm reaches ~60% of the
        speed of a pre-packed oneDNN matmul (measured 57 vs 39 ms at 128 rows), and the vocabulary
        projection is a fifth of a decode step's FLOPs. Only for architectures whose logits are
        exactly `lm_head(hidden)` (no soft-capping or logit scale); None elsewhere.
        """
        cfg = model.config
        plain = getattr(cfg, "model_type", "") in {"llama", "qwen2", "qwen3", "mistral", "smollm3"}
        special = any(getattr(cfg, k, None) for k in ("final_logit_softcapping", "logit_scale"))
        head = model.get_output_embeddings()
        if (
            not plain
            or special
            or self._decoder is None
            or not self.device.startswith("cpu")
            or not torch.backends.mkldnn.is_available()
            or not isinstance(head, torch.nn.Linear)
        ):
            return None
        from torch.utils.mkldnn import MkldnnLinear

        return MkldnnLinear(head, torch.float32)

    def _forward(self, **kwargs: Any) -> tuple[torch.Tensor, Any]:
        """One model call: (float32 logits of each row's last position [B, V], KV cache)."""
        if self._head is None:
            out = self.model(**kwargs, logits_to_keep=1)
            return out.logits[:, -1, :].float(), _cache_of(out)
        assert self._decoder is not None  # `_packed_head` returns None for a model without a decoder
        out = self._decoder(**kwargs)
        return self._head(out.last_hidden_state[:, -1, :].contiguous()).float(), _cache_of(out)

    @torch.inference_mode()
    def _prefill(
        self, seqs: list[list[int]], plen: int, prefix: Any | None
    ) -> tuple[torch.Tensor, DynamicCache, torch.Tensor, torch.Tensor]:
        """Prompt pass for a longest-first batch, in groups of similar length (`prefill_groups`).

        Returns next-token logits [B, V], one cache for the whole batch laid out as
        [zeros | shared prefix | padding | prompt] per row with room for `max_new_tokens` more
        columns, the attention mask [B, W] and each row's last position.
        """
        dev, n = self.device, len(seqs)
        rest = [len(s) - plen for s in seqs]
        width = plen + max(rest)
        capacity = width + self.system.decoding.max_new_tokens
        logits: torch.Tensor | None = None
        attention: torch.Tensor | None = None
        last_pos: torch.Tensor | None = None
        bufs: list[tuple[torch.Tensor, torch.Tensor]] = []
        order = sorted(range(n), key=lambda i: rest[i], reverse=True)
        for members in prefill_groups([rest[i] for i in order]):
            group = [order[k] for k in members]
            gw = max(rest[i] for i in group)
            ids = torch.full((len(group), gw), self.pad_id, dtype=torch.long)
            att = torch.zeros((len(group), plen + gw), dtype=torch.long)
            att[:, :plen] = 1
            for b, i in enumerate(group):
                ids[b, gw - rest[i] :] = torch.tensor(seqs[i][plen:], dtype=torch.long)
                att[b, plen + gw - rest[i] :] = 1
            att = att.to(dev)
            pos = (att.cumsum(-1) - 1).clamp(min=0)
            cache = None
            if prefix is not None:
                cache = DynamicCache(
                    ddp_cache_data=[
                        (
                            layer.keys.expand(len(group), -1, -1, -1),
                            layer.values.expand(len(group), -1, -1, -1),
                        )
                        for layer in prefix.layers
                    ]
                )
            group_logits, group_cache = self._forward(
                input_ids=ids.to(dev),
                attention_mask=att,
                position_ids=pos[:, plen:],
                cache=cache,
                use_cache=True,
            )
            if logits is None:
                logits = torch.empty((n, group_logits.shape[-1]), dtype=torch.float32, device=dev)
                attention = torch.zeros((n, width), dtype=torch.long, device=dev)
                last_pos = torch.zeros(n, dtype=torch.long, device=dev)
                for layer in group_cache.layers:
                    k, v = layer.keys, layer.values
                    bufs.append(
                        (
                            k.new_zeros(n, k.shape[1], capacity, k.shape[-1]),
                            v.new_zeros(n, v.shape[1], capacity, v.shape[-1]),
                        )
                    )
            assert attention is not None and last_pos is not None  # allocated with `logits` above
            rows = torch.tensor(group, device=dev)
            gwidth = plen + gw
            logits[rows] = group_logits
            attention[rows, width - gwidth :] = att
            last_pos[rows] = pos[:, -1]
            for (kb, vb), layer in zip(bufs, group_cache.layers, strict=True):
                kb[rows, :, width - gwidth : width] = layer.keys
                vb[rows, :, width - gwidth : width] = layer.values
        cache = DynamicCache()
        cache.layers = [_PreallocatedLayer(k, v, width) for k, v in bufs]
        assert logits is not None and attention is not None and last_pos is not None  # n >= 1: one group ran
        return logits, cache, attention, last_pos

    @torch.inference_mode()
    def _decode(
        self, logits: torch.Tensor, cache: DynamicCache, attention: torch.Tensor, last_pos: torch.Tensor
    ) -> tuple[list[list[int]], list[list[float]]]:
        """Greedy or seeded-sampled decoding of one prefilled batch, one token per step.

        Unlike `model.generate`, a row leaves the batch as soon as it emits EOS: its KV cache rows
        are dropped, so later steps run the matmuls on live rows only instead of padding finished
        ones to the longest completion. Also records log p(chosen token) under the unwarped model
        distribution for every generated token.
        """
        dec = self.system.decoding
        dev = self.device
        eos = torch.tensor(self.eos_ids, device=dev)
        warpers = None
        gen = None
        if not dec.greedy:
            from transformers import LogitsProcessorList, TemperatureLogitsWarper, TopPLogitsWarper

            warpers = LogitsProcessorList([TemperatureLogitsWarper(dec.temperature)])
            if dec.top_p < 1.0:
                warpers.append(TopPLogitsWarper(dec.top_p))
            gen = torch.Generator(device=dev).manual_seed(dec.seed)
        n = logits.shape[0]
        tokens: list[list[int]] = [[] for _ in range(n)]
        logprobs: list[list[float]] = [[] for _ in range(n)]
        live = torch.arange(n, device=dev)  # original row of each batch row still decoding
        done = torch.zeros(n, dtype=torch.bool, device=dev)  # finished rows not yet dropped
        for step in range(dec.max_new_tokens):
            if warpers is None:
                nxt = logits.argmax(-1)
            else:
                # Temperature and top-p warpers read the scores only, never the input ids.
                probs = torch.softmax(warpers(cast("torch.LongTensor", None), logits), dim=-1)
                nxt = torch.multinomial(probs, 1, generator=gen).squeeze(1)
            lp = torch.log_softmax(logits, -1).gather(1, nxt[:, None]).squeeze(1)
            for row, t, p, d in zip(live.tolist(), nxt.tolist(), lp.tolist(), done.tolist(), strict=True):
                if not d:
                    tokens[row].append(t)
                    logprobs[row].append(p)
            if step == dec.max_new_tokens - 1:
                break
            done = done | torch.isin(nxt, eos)
            n_done = int(done.sum())
            if n_done == len(done):
                break
            # Dropping finished rows copies every layer's cache, so it waits until they are worth
            # a copy (1/16 of the batch by default): until then they ride along, ignored.
            if n_done and n_done >= self.drop_finished_fraction * len(done):
                idx = (~done).nonzero().squeeze(1)
                cache.batch_select_indices(idx)
                live, nxt, attention, last_pos = live[idx], nxt[idx], attention[idx], last_pos[idx]
                done = done[idx]
            attention = torch.cat([attention, attention.new_ones(attention.shape[0], 1)], dim=1)
            last_pos = last_pos + 1
            logits, cache = self._forward(
                input_ids=nxt[:, None],
                attention_mask=attention,
                position_ids=last_pos[:, None],
                cache=cache,
                use_cache=True,
            )
        return tokens, logprobs

    @torch.inference_mode()
    def _generate_batch(self, reqs: list[GenerationRequest]) -> list[GenerationResult]:
        seqs = [r.prompt_token_ids for r in reqs]
        plen = shared_prefix_len(seqs, max_len=min(len(s) for s in seqs) - 1) if self.prefix_sharing else 0
        if plen < self.min_shared_prefix:
            plen = 0
        t0 = time.perf_counter()
        prefix = None
        if plen:
            # The shared prefix (system prompt + chat header) is computed once, at batch 1.
            prefix_ids = torch.tensor([seqs[0][:plen]], device=self.device)
            out = (
                self._decoder(prefix_ids, use_cache=True)
                if self._decoder
                else self.model(prefix_ids, use_cache=True)
            )
            prefix = _cache_of(out)
            self.shared_prefix_tokens += plen * (len(reqs) - 1)
        self.n_calls += 1
        logits, cache, attention, last_pos = self._prefill(seqs, plen, prefix)
        tokens, logprobs = self._decode(logits, cache, attention, last_pos)
        latency_ms = (time.perf_counter() - t0) * 1000
        results = []
        eos = set(self.eos_ids)
        for b, r in enumerate(reqs):
            ids = tokens[b]
            finish: Literal["stop", "length"] = "stop" if ids and ids[-1] in eos else "length"
            mean_lp = float(sum(logprobs[b]) / len(ids)) if ids else None
            results.append(
                GenerationResult(
                    example_id=r.example_id,
                    content_hash=r.content_hash,
                    text=self.tokenizer.decode(ids, skip_special_tokens=True),
                    prompt_token_ids=list(r.prompt_token_ids),
                    completion_token_ids=ids,
                    finish_reason=finish,
                    latency_ms=latency_ms,
                    input_tokens=len(r.prompt_token_ids),
                    output_tokens=len(ids),
                    truncated_prompt=r.truncated_prompt,
                    mean_logprob=mean_lp,
                )
            )
        return results

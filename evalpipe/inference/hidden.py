"""Hidden states: one teacher-forced forward pass over the exact prompt+completion token ids,
reduced on the fly per example. Never `output_hidden_states` inside `generate` (the slow path).

Layer numbering (recorded in every table's metadata) follows transformers' `hidden_states` tuple:
``0`` = token embeddings, ``i`` (1..L-1) = residual stream after decoder layer i, ``L`` = output of
the final norm (transformers' ``hidden_states[-1]``). vLLM counts layers differently (before the
final norm): never mix backends' states within one probe.

Reductions per example and layer: ``last_prompt`` (last prompt token), ``last_completion`` (last
completion token; the EOS when the model stopped), ``mean_completion`` (mean over completion
tokens). Also ``mean_logprob``: mean log p(completion token | prefix) under the model, a probe
baseline. Stored as float16 fixed-size lists (one row per example x layer).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import torch

from evalpipe.inference.cache import read_shards, write_shard

LAYER_CONVENTION = "hf: 0=embeddings, i=after decoder layer i, L=after final norm (hidden_states[-1])"
REDUCTIONS: tuple[str, ...] = ("last_prompt", "last_completion", "mean_completion")


def resolve_layers(layers: str | list[int] | None, num_layers: int) -> list[int]:
    """'all' -> [0..L]; negative indices count from L (e.g. -1 = final norm output)."""
    if layers is None or layers == "all":
        return list(range(num_layers + 1))
    out = []
    for i in cast(list[int], layers):  # any other string fails below, as before
        j = i + num_layers + 1 if i < 0 else i
        if not 0 <= j <= num_layers:
            raise ValueError(f"layer {i} out of range for a model with {num_layers} layers (0..{num_layers})")
        out.append(j)
    return sorted(set(out))


@dataclass
class HiddenStates:
    layers: list[int]
    last_prompt: np.ndarray  # [N, n_layers, H] float32
    last_completion: np.ndarray
    mean_completion: np.ndarray
    mean_logprob: np.ndarray  # [N]
    n_prompt_tokens: np.ndarray  # [N]
    n_completion_tokens: np.ndarray  # [N]
    shared_prefix_tokens: int = 0  # token positions not recomputed thanks to prefix sharing


def _decoder_parts(model: Any) -> tuple[Any, Any, list[Any], Any, Any]:
    decoder = model.get_decoder() if hasattr(model, "get_decoder") else model.model
    return decoder, decoder.embed_tokens, list(decoder.layers), decoder.norm, model.get_output_embeddings()


@torch.inference_mode()
def extract_hidden_states(
    model: Any,
    sequences: list[tuple[list[int], list[int]]],
    layers: str | list[int] | None = "all",
    max_batch_tokens: int = 2048,
    max_batch_size: int = 64,
    pad_id: int = 0,
    share_prefix: bool = True,
    min_shared_prefix: int = 8,
    compute_logprob: bool = True,
) -> HiddenStates:
    """Teacher-forced pass over (prompt_ids, completion_ids) pairs; batched, right-padded, hooks
    reduce each chosen layer to three vectors per example so memory stays O(B x layers x H).

    With `share_prefix`, a prefix common to the whole batch (system prompt + chat header, capped
    before each last prompt token) is run once at batch 1 and its KV cache repeated: the states of
    every token that is reduced are unchanged, the shared tokens are not recomputed.
    """
    from evalpipe.inference.backends.transformers_backend import shared_prefix_len

    decoder, embed, blocks, norm, lm_head = _decoder_parts(model)
    n_layers = len(blocks)
    chosen = resolve_layers(layers, n_layers)
    slot = {layer: k for k, layer in enumerate(chosen)}
    hsize = int(model.config.hidden_size)
    device = next(model.parameters()).device
    n = len(sequences)
    out = {r: np.full((n, len(chosen), hsize), np.nan, dtype=np.float32) for r in REDUCTIONS}
    mean_lp = np.full(n, np.nan, dtype=np.float64)
    n_p = np.array([len(p) for p, _ in sequences], dtype=np.int64)
    n_c = np.array([len(c) for _, c in sequences], dtype=np.int64)
    if np.any(n_p == 0):
        raise ValueError("every sequence needs at least one prompt token")

    state: dict[str, Any] = {"active": True}

    def reduce_into(layer: int, h: torch.Tensor) -> None:
        if layer not in slot or not state["active"]:
            return
        h = h.float()
        rows = state["rows"]
        ar = torch.arange(h.shape[0], device=h.device)
        k = slot[layer]
        out["last_prompt"][rows, k] = h[ar, state["lp"]].cpu().numpy()
        out["last_completion"][rows, k] = h[ar, state["lc"]].cpu().numpy()
        mean = torch.bmm(state["cmask"][:, None, :], h)[:, 0] / state["ccount"][:, None]
        out["mean_completion"][rows, k] = mean.cpu().numpy()

    def hook_for(layer: int):
        def hook(_mod: Any, _inp: Any, output: Any) -> None:
            reduce_into(layer, output[0] if isinstance(output, tuple) else output)

        return hook

    handles = [embed.register_forward_hook(hook_for(0))]
    # layers[i] output is hidden_states[i+1]; the last block's raw output is not in HF's tuple (norm is).
    handles += [blk.register_forward_hook(hook_for(i + 1)) for i, blk in enumerate(blocks[:-1])]
    handles.append(norm.register_forward_hook(hook_for(n_layers)))
    saved = 0
    try:
        order = sorted(range(n), key=lambda i: n_p[i] + n_c[i], reverse=True)
        start = 0
        while start < n:
            width = int(n_p[order[start]] + n_c[order[start]])
            size = max(1, min(max_batch_size, max_batch_tokens // max(1, width)))
            rows = order[start : start + size]
            start += size
            seqs = [list(sequences[i][0]) + list(sequences[i][1]) for i in rows]
            plen = shared_prefix_len(seqs, max_len=min(int(n_p[i]) for i in rows) - 1) if share_prefix else 0
            if plen < min_shared_prefix:
                plen = 0
            rw = width - plen  # columns actually computed for the batch
            ids = torch.full((len(rows), rw), pad_id, dtype=torch.long)
            att = torch.zeros((len(rows), width), dtype=torch.long)
            cmask = torch.zeros((len(rows), rw), dtype=torch.float32)
            for b, i in enumerate(rows):  # right padding: real tokens never attend to pads (causal)
                seq = seqs[b]
                ids[b, : len(seq) - plen] = torch.tensor(seq[plen:], dtype=torch.long)
                att[b, : len(seq)] = 1
                cmask[b, n_p[i] - plen : len(seq) - plen] = 1.0
            lp = torch.tensor([n_p[i] - 1 - plen for i in rows])
            lc = torch.tensor([n_p[i] + n_c[i] - 1 - plen for i in rows])
            kwargs: dict[str, Any] = {"use_cache": False}
            if plen:
                state["active"] = False  # prefix states are never reduced (cap above)
                pre = decoder(input_ids=torch.tensor([seqs[0][:plen]], device=device), use_cache=True)
                state["active"] = True
                cache = pre["cache"] if "cache" in pre else pre.past_key_values
                cache.batch_repeat_interleave(len(rows))
                saved += plen * (len(rows) - 1)
                pos = torch.arange(plen, width, device=device)[None].expand(len(rows), -1)
                kwargs = {"use_cache": True, "cache": cache, "position_ids": pos}
            state.update(
                rows=np.array(rows),
                lp=lp.to(device),
                lc=lc.to(device),
                cmask=cmask.to(device),
                ccount=cmask.sum(1).clamp(min=1.0).to(device),
            )
            final = decoder(input_ids=ids.to(device), attention_mask=att.to(device), **kwargs)
            final = final.last_hidden_state if hasattr(final, "last_hidden_state") else final[0]
            # log p(completion token t | prefix): logits only at the positions that predict completion tokens.
            for b, i in enumerate(rows):
                if n_c[i] == 0 or not compute_logprob:
                    continue
                pos_b = torch.arange(n_p[i] - 1 - plen, n_p[i] + n_c[i] - 1 - plen, device=device)
                logits = lm_head(final[b, pos_b]).float()
                target = ids[b, n_p[i] - plen : n_p[i] + n_c[i] - plen].to(device)
                lps = torch.log_softmax(logits, -1).gather(1, target[:, None])
                mean_lp[i] = float(lps.mean())
    finally:
        for h in handles:
            h.remove()
    nc0 = n_c == 0  # no completion: last_completion := last prompt token, mean undefined (NaN)
    out["last_completion"][nc0] = out["last_prompt"][nc0]
    out["mean_completion"][nc0] = np.nan
    return HiddenStates(
        chosen, out["last_prompt"], out["last_completion"], out["mean_completion"], mean_lp, n_p, n_c, saved
    )


def hidden_states_table(
    hs: HiddenStates, ids: pd.DataFrame, model_name: str = "", hidden_size: int | None = None
) -> pa.Table:
    """One row per example x layer; `ids` carries example_id, content_hash (+ fingerprint, system_name)."""
    n, n_layers, hsize = hs.last_prompt.shape
    rep = np.repeat(np.arange(n), n_layers)
    cols: dict[str, pa.Array] = {}
    for c in ("fingerprint", "system_name", "example_id", "content_hash"):
        vals = ids[c].astype(str).to_numpy() if c in ids else np.array([""] * n)
        cols[c] = pa.array(vals[rep], type=pa.string())
    cols["layer"] = pa.array(np.tile(np.array(hs.layers, dtype=np.int16), n), type=pa.int16())
    cols["n_prompt_tokens"] = pa.array(hs.n_prompt_tokens[rep], type=pa.int32())
    cols["n_completion_tokens"] = pa.array(hs.n_completion_tokens[rep], type=pa.int32())
    cols["mean_logprob"] = pa.array(hs.mean_logprob[rep], type=pa.float64())
    for r in REDUCTIONS:
        flat = getattr(hs, r).astype(np.float16).reshape(-1)
        cols[r] = pa.FixedSizeListArray.from_arrays(pa.array(flat, type=pa.float16()), hsize)
    meta = {
        b"layer_convention": LAYER_CONVENTION.encode(),
        b"model": model_name.encode(),
        b"hidden_size": str(hidden_size or hsize).encode(),
        b"dtype": b"float16",
    }
    return pa.table(cols).replace_schema_metadata(meta)


def hidden_matrix(
    table: pa.Table, layer: int, reduction: str = "mean_completion"
) -> tuple[list[str], np.ndarray]:
    """(example_ids, float32 [N, H]) for one layer and reduction: the input a layer probe wants."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}")
    mask = pc.equal(table["layer"], layer)
    sub = table.filter(mask)
    col = sub[reduction].combine_chunks()
    hsize = col.type.list_size
    mat = col.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, hsize)
    return sub["example_id"].to_pylist(), mat


def run_hidden_states(
    system: Any,
    outputs: pd.DataFrame,
    cache_dir: str | Path,
    model: Any | None = None,
    layers: str | list[int] | None = None,
    max_batch_tokens: int = 2048,
    progress: bool = False,
    logprob: str = "auto",
) -> tuple[pa.Table, dict[str, Any]]:
    """Hidden states for `run_inference` output rows (cached per fingerprint x layers x content_hash).

    Rows without token ids (errors, text-only endpoints) are skipped and counted. `model` defaults
    to a transformers load of `system.options.hidden_model` or `system.model`. `logprob`:
    "always" computes mean completion log-probs in this pass; "auto" reuses the generation's
    `mean_logprob` when every row has one (the transformers backend records it; the two agree to
    ~1e-4, see tests) and saves the lm_head work here; "never" leaves NaN.
    """
    if logprob not in ("auto", "always", "never"):
        raise ValueError("logprob must be auto, always or never")
    t0 = time.perf_counter()
    layers = layers if layers is not None else system.hidden_layers
    usable = outputs[
        (outputs["finish_reason"] != "error")
        & outputs["prompt_token_ids"].map(lambda x: x is not None and len(x) > 0)
    ]
    pad_id = 0
    if model is None:
        from evalpipe.inference.models import load_model_and_tokenizer

        model, tok = load_model_and_tokenizer(str(system.options.get("hidden_model", system.model)))
        pad_id = int(tok.pad_token_id or 0)
    n_layers = len(_decoder_parts(model)[2])
    chosen = resolve_layers(layers, n_layers)
    key = "all" if chosen == list(range(n_layers + 1)) else "-".join(map(str, chosen))
    directory = Path(cache_dir) / "hidden" / f"fingerprint={system.fingerprint}" / f"layers={key}"
    cached = read_shards(directory)
    done = set(cached["content_hash"].to_pylist()) if cached is not None else set()
    todo = usable[~usable["content_hash"].isin(done)].drop_duplicates("content_hash")
    new_table = None
    if len(todo):
        seqs = [
            (list(p), list(c) if c is not None else [])
            for p, c in zip(todo["prompt_token_ids"], todo["completion_token_ids"], strict=True)
        ]
        known = todo["mean_logprob"].notna().all() if "mean_logprob" in todo else False
        compute = logprob == "always" or (logprob == "auto" and not known)
        hs = extract_hidden_states(
            model, seqs, chosen, max_batch_tokens=max_batch_tokens, pad_id=pad_id, compute_logprob=compute
        )
        if not compute and logprob == "auto":
            hs.mean_logprob = todo["mean_logprob"].to_numpy(dtype=np.float64)
        ids = todo.assign(fingerprint=system.fingerprint, system_name=system.name)
        new_table = hidden_states_table(
            hs, ids, model_name=system.model, hidden_size=int(model.config.hidden_size)
        )
        write_shard(directory, new_table)
    parts = [t for t in (cached, new_table) if t is not None]
    if not parts:
        return pa.table({}), {"n": 0, "cache_hits": 0, "skipped": len(outputs) - len(usable)}
    table = pa.concat_tables([p.cast(parts[-1].schema) for p in parts]) if len(parts) > 1 else parts[0]
    table = table.replace_schema_metadata(parts[-1].schema.metadata)
    # Keep the caller's rows (example ids) in the caller's order.
    want = usable[["example_id", "content_hash"]].reset_index(drop=True)
    by_hash: dict[str, list[int]] = {}
    for i, h in enumerate(table["content_hash"].to_pylist()):
        by_hash.setdefault(h, []).append(i)
    take, eids = [], []
    seen_rows: set[tuple[str, str]] = set()
    for eid, h in zip(want["example_id"], want["content_hash"], strict=True):
        rows = by_hash.get(h, [])
        rows = rows[-len(chosen) :]  # newest copy
        if (eid, h) in seen_rows:
            continue
        seen_rows.add((eid, h))
        take += rows
        eids += [str(eid)] * len(rows)
    result = table.take(pa.array(take, type=pa.int64()))
    result = result.set_column(
        result.schema.get_field_index("example_id"), "example_id", pa.array(eids, type=pa.string())
    )
    stats = {
        "n": len(want),
        "cache_hits": len(want) - len(todo),
        "extracted": len(todo),
        "skipped": len(outputs) - len(usable),
        "layers": chosen,
        "extraction_s": time.perf_counter() - t0,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    return result, stats

"""Dedup -> strata -> allocation -> hash draw, with design weights.

Properties the rest of the pipeline relies on (tested):
- Same input rows + config (salt) -> same sample, whatever the input row order.
- Monotone: a larger `rate`/`size` only adds records (house-monotone divisor allocation, and a
  bottom-k draw by ``blake2b(salt || record_id)`` within each stratum).
- `design_weight = N_h / n_h` where N_h counts the *deduplicated* stratum population, so the
  weights of a sample sum to the deduplicated population size (every stratum gets >= 1 when
  `min_per_stratum >= 1`).
"""

from __future__ import annotations

import hashlib
import heapq
from typing import cast

import numpy as np
import pandas as pd

from evalpipe.sampling.config import (
    EmptyWindowError,
    SamplingConfig,
    StratumTooSmallError,
)
from evalpipe.sampling.minhash import MinHasher, near_duplicate_groups

SAMPLER_VERSION = "sampler/1"
_DEDUP_SALT = b"evalpipe-dedup"  # survivor choice is salt-independent: the population does not move


def _u64_keys(record_ids: pd.Series, salt: bytes) -> np.ndarray:
    """blake2b_u64(record_id, salt) for a column (inlined: this loop is the hot path at 1M rows)."""
    prefix = salt + b"\x00"
    b2 = hashlib.blake2b
    digests = b"".join(b2(prefix + r.encode("utf-8"), digest_size=8).digest() for r in record_ids.astype(str))
    return np.frombuffer(digests, dtype=">u8").astype(np.uint64)


def _canonical_order(keys: np.ndarray, tie: pd.Series, groups: np.ndarray | None = None) -> np.ndarray:
    """Row order by (groups, keys), ties (64-bit collisions, ~never) broken by `tie`: input-order free."""
    order = np.lexsort((keys,) if groups is None else (keys, groups))
    k = keys[order]
    same = k[1:] == k[:-1]
    if groups is not None:
        same &= groups[order][1:] == groups[order][:-1]
    if same.any():
        cols = {"g": groups if groups is not None else 0, "k": keys, "t": tie.to_numpy()}
        order = pd.DataFrame(cols).sort_values(["g", "k", "t"], kind="mergesort").index.to_numpy()
    return order


def dedup(features_df: pd.DataFrame, config: SamplingConfig) -> pd.DataFrame:
    """Exact (content hash) then near-duplicate (MinHash LSH) removal.

    The survivor of each duplicate group is the record with the smallest
    ``blake2b("evalpipe-dedup" || record_id)`` key; `dup_count` says how many records it stands for.
    Output is in canonical order (by survivor key), independent of the input order.
    """
    sk = _u64_keys(features_df["record_id"], _DEDUP_SALT)
    order = _canonical_order(sk, features_df["record_id"].astype(str))
    df = features_df.iloc[order].reset_index(drop=True)
    df["_sk"] = sk[order]
    df["dup_count"] = 1
    if config.dedup.exact:
        grp = df.groupby("content_hash", sort=False)
        sizes = grp["record_id"].transform("size")
        first = ~df.duplicated("content_hash", keep="first")  # rows are in key order: first = smallest key
        df = df.loc[first].copy()
        df["dup_count"] = sizes[first].to_numpy()
        df = df.reset_index(drop=True)
    if config.dedup.near and len(df) > 1:
        texts = df["norm_text"].fillna("").astype(str)
        nonempty = (texts.str.len() > 0).to_numpy()
        idx = np.nonzero(nonempty)[0]
        if len(idx) > 1:
            hasher = MinHasher(
                num_perm=config.dedup.num_perm, seed=config.dedup.seed, shingle_k=config.dedup.shingle_k
            )
            sigs = hasher.signatures(texts.iloc[idx].tolist())
            labels = near_duplicate_groups(sigs, config.dedup.threshold)
            comp = np.arange(len(df))
            comp[idx] = idx[_first_of_component(labels)]
            counts = pd.Series(df["dup_count"].to_numpy()).groupby(comp).transform("sum").to_numpy()
            keep = comp == np.arange(len(df))  # rows are in key order: the component's first row survives
            df["dup_count"] = counts
            df = df.loc[keep].reset_index(drop=True)
    return df


def _first_of_component(labels: np.ndarray) -> np.ndarray:
    """For each position, the position of the first row carrying the same label."""
    _, first_pos, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return first_pos[inverse].astype(np.int64)


def stratum_labels(df: pd.DataFrame, keys: tuple[str, ...] | list[str]) -> pd.Series:
    """`key=value|key=value` labels; missing values become "none"."""
    parts = [k + "=" + df[k].astype(object).where(df[k].notna(), "none").astype(str) for k in keys]
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    return out


def allocate(
    sizes: dict[str, int],
    total: int,
    minimum: int,
    scores: dict[str, float] | None = None,
) -> dict[str, int]:
    """House-monotone divisor (Webster) allocation with per-stratum minimums and caps.

    Start at min(minimum, N_h); hand out the remaining seats one at a time to the stratum with the
    largest priority score_h / (n_h + 0.5) that is not yet full (score = N_h for proportional,
    N_h * S_h for Neyman).  Because the allocation for total n+1 extends the one for n, a larger
    sample never drops a record.  Ties break on the stratum label.
    """
    alloc = {h: min(minimum, n) for h, n in sizes.items()}
    remaining = total - sum(alloc.values())
    if scores is None:
        scores = {h: float(n) for h, n in sizes.items()}
    heap = [(-scores[h] / (alloc[h] + 0.5), h) for h in sorted(sizes) if alloc[h] < sizes[h]]
    heapq.heapify(heap)
    while remaining > 0 and heap:
        _, h = heapq.heappop(heap)
        alloc[h] += 1
        remaining -= 1
        if alloc[h] < sizes[h]:
            heapq.heappush(heap, (-scores[h] / (alloc[h] + 0.5), h))
    return alloc


def stratified_sample(features_df: pd.DataFrame, config: SamplingConfig | dict) -> pd.DataFrame:
    """Deduplicate, stratify, allocate and draw; returns the sampled rows with design weights.

    Added columns: `stratum`, `stratum_N` (dedup population), `stratum_n`, `design_weight`,
    `draw_key` (hex of the 64-bit draw key), `dup_count`, `take_all`.  Rows are ordered by
    (stratum, draw_key).  Raises EmptyWindowError / UnknownStratumKeyError /
    StratumTooSmallError / SamplingConfigError before doing any work where possible.
    """
    if isinstance(config, dict):
        config = SamplingConfig.from_dict(config)
    config.validate()
    if features_df is None or len(features_df) == 0:
        raise EmptyWindowError("empty window: the features table has no rows to sample")
    config.validate_columns(features_df.columns)

    pop = dedup(features_df, config)
    pop["stratum"] = stratum_labels(pop, config.strata)
    sizes = pop.groupby("stratum", sort=True).size()
    size_map = {str(k): int(v) for k, v in sizes.items()}

    small = {h: n for h, n in size_map.items() if n < config.min_per_stratum}
    if small and config.small_stratum_policy == "error":
        shown = ", ".join(f"{h} (N={n})" for h, n in sorted(small.items())[:10])
        raise StratumTooSmallError(
            f"min_per_stratum={config.min_per_stratum} is larger than {len(small)} stratum/strata after dedup: "
            f"{shown}{' ...' if len(small) > 10 else ''}; lower the minimum, coarsen the strata, or set "
            f"small_stratum_policy: take_all"
        )

    n_pop = len(pop)
    total = int(np.ceil(config.rate * n_pop)) if config.rate is not None else int(cast(int, config.size))
    total = min(total, n_pop)
    scores = None
    if config.allocation == "neyman":
        var = pd.to_numeric(pop[config.neyman_variable], errors="coerce").astype(float)
        sd = var.groupby(pop["stratum"]).std(ddof=0).fillna(0.0)
        scores = {h: size_map[h] * float(sd.get(h, 0.0)) for h in size_map}
        if all(s == 0.0 for s in scores.values()):  # no variability anywhere: fall back to proportional
            scores = None
    alloc = allocate(size_map, total, config.min_per_stratum, scores)

    pop["_dk"] = _u64_keys(pop["record_id"], config.salt.encode("utf-8"))
    codes = pop["stratum"].map({h: i for i, h in enumerate(sorted(size_map))}).to_numpy()
    pop = pop.iloc[_canonical_order(pop["_dk"].to_numpy(), pop["record_id"].astype(str), codes)]
    pop = pop.reset_index(drop=True)
    rank = pop.groupby("stratum", sort=False).cumcount().to_numpy()
    n_h = pop["stratum"].map(alloc).to_numpy()
    out = pop.loc[rank < n_h].copy()
    out["stratum_N"] = out["stratum"].map(size_map).astype("int64")
    out["stratum_n"] = out["stratum"].map(alloc).astype("int64")
    out["design_weight"] = out["stratum_N"] / out["stratum_n"]
    out["take_all"] = out["stratum"].map(lambda h: h in small)
    out["draw_key"] = [f"{int(k):016x}" for k in out["_dk"].to_numpy()]
    return out.drop(columns=["_sk", "_dk"]).reset_index(drop=True)


def strata_table(sample_df: pd.DataFrame) -> pd.DataFrame:
    """One row per stratum: N_h (dedup population), n_h, weight; for manifests and dataset cards."""
    cols = ["stratum", "stratum_N", "stratum_n", "design_weight"]
    t = sample_df[cols].drop_duplicates("stratum").sort_values("stratum").reset_index(drop=True)
    return t.rename(columns={"stratum_N": "N", "stratum_n": "n", "design_weight": "weight"})

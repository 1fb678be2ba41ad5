"""Vectorised MinHash + LSH banding for near-duplicate removal at log scale.

Why not call `datasketch.MinHash.update` per row: at 1M rows the per-shingle Python loop is the
bottleneck.  Here shingle hashing and the permutations run in numpy over batches of documents,
and the *signatures are identical to datasketch's* ``MinHash(num_perm, seed, scheme="affine32")``
fed the same 32-bit shingle hashes (the permutation parameters are taken from a datasketch
MinHash object; a test checks equality).  The LSH (b, r) banding parameters come from
datasketch's own optimiser for the configured threshold.

Shingles: character 5-grams of the UTF-8 bytes of the normalised text (texts shorter than k
bytes are padded), hashed with a 64-bit polynomial rolling hash folded to 32 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_M32 = np.uint64(0xFFFFFFFF)
_BASE = np.uint64(1099511628211)  # FNV-64 prime as the polynomial base


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer (datasketch's affine32 pre-mix), uint32 wraparound."""
    hv = hv.astype(np.uint32, copy=True)
    hv ^= hv >> np.uint32(16)
    hv *= np.uint32(0x85EBCA6B)
    hv ^= hv >> np.uint32(13)
    hv *= np.uint32(0xC2B2AE35)
    hv ^= hv >> np.uint32(16)
    return hv


def shingle_hashes_batch(texts: list[str], k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of all character k-grams of each text.

    Returns (hashes uint32 [total], offsets int64 [n]) where text i owns
    hashes[offsets[i]:offsets[i+1]]; every text has >= 1 shingle (short ones are padded).
    """
    enc = [t.encode("utf-8") for t in texts]
    enc = [e if len(e) >= k else e + b"\x00" * (k - len(e)) for e in enc]
    lengths = np.fromiter((len(e) for e in enc), dtype=np.int64, count=len(enc))
    if len(enc) == 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
    buf = np.frombuffer(b"".join(enc), dtype=np.uint8).astype(np.uint64)
    total = buf.shape[0]
    n_pos = total - k + 1
    h = np.zeros(n_pos, dtype=np.uint64)
    for j in range(k):
        h = h * _BASE + buf[j : j + n_pos]
    h = (h ^ (h >> np.uint64(32))) & _M32
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    n_sh = lengths - k + 1
    # positions i in [start_d, start_d + n_sh_d) are the valid k-grams of doc d
    doc_of_pos = np.repeat(np.arange(len(enc)), n_sh)
    within = np.arange(n_sh.sum()) - np.repeat(np.cumsum(n_sh) - n_sh, n_sh)
    pos = starts[doc_of_pos] + within
    offsets = np.concatenate(([0], np.cumsum(n_sh)[:-1])).astype(np.int64)
    return h[pos].astype(np.uint32), offsets


@dataclass(frozen=True)
class MinHasher:
    """Batched MinHash signatures compatible with datasketch (scheme="affine32")."""

    num_perm: int = 64
    seed: int = 1
    shingle_k: int = 5
    batch_docs: int = 4096

    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = MinHash(num_perm=self.num_perm, seed=self.seed, scheme="affine32").permutations
        return a.astype(np.uint32), b.astype(np.uint32)

    def signatures(self, texts: list[str]) -> np.ndarray:
        """uint32 [n, num_perm] signatures; memory bounded by `batch_docs`.

        Layout matters: permutations x shingles (shingles contiguous) into one reused buffer makes
        the min-reduction run along contiguous memory (~30x faster than shingles x permutations
        with fresh allocations on this machine).
        """
        a, b = self.permutations()
        a_col, b_col = a[:, None], b[:, None]
        out = np.empty((len(texts), self.num_perm), dtype=np.uint32)
        buf = np.empty((self.num_perm, 0), dtype=np.uint32)
        for lo in range(0, len(texts), self.batch_docs):
            chunk = texts[lo : lo + self.batch_docs]
            hv, offs = shingle_hashes_batch(chunk, self.shingle_k)
            hv = _fmix32(hv)
            m = hv.shape[0]
            if buf.shape[1] < m:
                buf = np.empty((self.num_perm, int(m * 1.25)), dtype=np.uint32)
            view = buf[:, :m]
            np.multiply(a_col, hv[None, :], out=view)  # uint32 wraparound = mod 2^32 (datasketch affine32)
            np.add(view, b_col, out=view)
            out[lo : lo + len(chunk)] = np.minimum.reduceat(view, offs, axis=1).T
        return out


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising equal-weight FP+FN probability, as datasketch.MinHashLSH picks them."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


def near_duplicate_groups(sigs: np.ndarray, threshold: float, bands: int | None = None) -> np.ndarray:
    """Component label per row: rows linked by LSH candidates whose estimated Jaccard >= threshold.

    Candidates: rows sharing any band bucket.  Within a bucket (rows in input order) each member is
    checked against the bucket's first member and its predecessor (linear, not all pairs); verified
    pairs are closed transitively (connected components).  Callers must pass rows in a canonical
    order for the result to be order-independent.
    """
    n, p = sigs.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if bands is None:
        bands, rows = lsh_params(threshold, p)
    else:
        rows = p // bands
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    idx = np.arange(n)
    mult = (np.arange(1, rows + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) | np.uint64(1)
    for bi in range(bands):
        band = sigs[:, bi * rows : (bi + 1) * rows].astype(np.uint64)
        with np.errstate(over="ignore"):
            key = (band * mult[None, :]).sum(axis=1)
            key ^= key >> np.uint64(29)
        order = np.lexsort((idx, key))
        ks = key[order]
        same_prev = np.concatenate(([False], ks[1:] == ks[:-1]))
        if not same_prev.any():
            continue
        run_start = np.maximum.accumulate(np.where(~same_prev, np.arange(n), 0))
        members = np.nonzero(same_prev)[0]
        cur = order[members]
        src.append(order[run_start[members]])
        dst.append(cur)
        src.append(order[members - 1])
        dst.append(cur)
    if not src:
        return idx.astype(np.int64)
    s = np.concatenate(src)
    d = np.concatenate(dst)
    code = np.sort(np.minimum(s, d).astype(np.int64) * n + np.maximum(s, d))  # dedupe pairs as 1-D codes
    code = code[np.concatenate(([True], code[1:] != code[:-1]))]
    s, d = code // n, code % n
    sim = np.empty(len(s), dtype=np.float64)
    step = 200_000
    for lo in range(0, len(s), step):
        sim[lo : lo + step] = (sigs[s[lo : lo + step]] == sigs[d[lo : lo + step]]).mean(axis=1)
    keep = sim >= threshold
    g = coo_matrix((np.ones(int(keep.sum()), dtype=np.int8), (s[keep], d[keep])), shape=(n, n))
    _, labels = connected_components(g, directed=False)
    return labels.astype(np.int64)

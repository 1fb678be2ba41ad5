"""Benchmark: dedup + stratified sampling of N synthetic scrubbed rows vs a pandas groupby-sample baseline.

    .venv/bin/python benchmarks/sampling.py            # 1,000,000 rows
    .venv/bin/python benchmarks/sampling.py --quick    # 50,000 rows (< 60 s)

Rows are generated cheaply (numpy + string templates, `evalpipe.sampling.synthetic.synthetic_features`),
about 30% exact repeats, and template texts that differ only in a number (near duplicates).
Both the baseline and our sampler run in this process on the same frame; ratios are printed
because the machine is shared and noisy.  Peak RSS is the process high-water mark (resource).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalpipe.sampling import SamplingConfig, dedup, stratified_sample
from evalpipe.sampling.minhash import MinHasher, near_duplicate_groups
from evalpipe.sampling.synthetic import synthetic_features

STRATA = ["intent", "language_group", "feedback", "error_class"]


def rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def timed(label: str, fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    dt = time.perf_counter() - t
    print(f"  {label:<46s} {dt:8.2f} s   rss {rss_mib():7.0f} MiB   peak {peak_mib():7.0f} MiB", flush=True)
    return out, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="50k rows, for smoke runs")
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--rate", type=float, default=0.01)
    args = ap.parse_args()
    n = args.rows or (50_000 if args.quick else 1_000_000)
    print(f"rows={n:,} rate={args.rate} strata={STRATA}")
    base_rss = rss_mib()
    df, _ = timed("generate synthetic features", synthetic_features, n, 0)
    frame_mib = df.memory_usage(deep=True).sum() / 2**20
    print(f"  frame size in memory: {frame_mib:.0f} MiB (process rss before: {base_rss:.0f} MiB)")

    print("baseline (pandas):")
    _, t_base = timed(
        "groupby(strata).sample(frac)", lambda: df.groupby(STRATA).sample(frac=args.rate, random_state=0)
    )
    _, t_base_dd = timed(
        "drop_duplicates(content_hash) + groupby.sample",
        lambda: df.drop_duplicates("content_hash").groupby(STRATA).sample(frac=args.rate, random_state=0),
    )

    cfg = SamplingConfig.from_dict(
        {"rate": args.rate, "min_per_stratum": 2, "strata": STRATA, "small_stratum_policy": "take_all"}
    )
    print("evalpipe phases:")
    exact, t_exact = timed(
        "exact dedup (blake2b survivor keys)", dedup, df, SamplingConfig.from_dict({"dedup": {"near": False}})
    )
    texts = exact["norm_text"].tolist()
    hasher = MinHasher(num_perm=cfg.dedup.num_perm, seed=cfg.dedup.seed, shingle_k=cfg.dedup.shingle_k)
    sigs, t_sig = timed(f"minhash signatures ({len(texts):,} survivors, numpy)", hasher.signatures, texts)
    labels, t_lsh = timed(
        "LSH banding + verify + components", near_duplicate_groups, sigs, cfg.dedup.threshold
    )
    del sigs
    print(f"  near-duplicate groups: {len(np.unique(labels)):,} of {len(texts):,} exact survivors")

    print("evalpipe end to end:")
    sample, t_ours = timed("stratified_sample (exact+near dedup, draw)", stratified_sample, df, cfg)
    shuffled = df.sample(frac=1.0, random_state=1)
    sample2, _ = timed("same, shuffled input (order independence)", stratified_sample, shuffled, cfg)
    same = sample["record_id"].tolist() == sample2["record_id"].tolist()
    pop = int(sample.drop_duplicates("stratum")["stratum_N"].sum())
    print()
    print(
        f"sample rows: {len(sample):,}   strata: {sample['stratum'].nunique()}   population after dedup: {pop:,}"
        f"   weight sum: {sample['design_weight'].sum():,.0f}   order-independent: {same}"
    )
    print(f"throughput: {n / t_ours:,.0f} rows/s end to end")
    print(f"ratio evalpipe / groupby.sample               : {t_ours / t_base:6.1f}x")
    print(f"ratio evalpipe / drop_duplicates+groupby.sample: {t_ours / t_base_dd:6.1f}x")
    print(f"time split: exact {t_exact:.1f}s, signatures {t_sig:.1f}s, lsh {t_lsh:.1f}s")
    print(f"peak RSS: {peak_mib():,.0f} MiB (input frame {frame_mib:,.0f} MiB)")


if __name__ == "__main__":
    main()

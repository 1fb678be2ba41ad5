"""Benchmark: semantic similarity + constraints over many (output, reference) pairs.

Optimised path (what evalpipe.metrics.evaluate does): one Embedder over all pairs (distinct texts
encoded once, in length-sorted batches, blake2b-keyed LRU cache) and `check_constraints_many`
(each distinct (output, spec, question) checked once).

Baseline, in the same run: the naive loop, one pair at a time: encode the output, encode the
reference (two model calls, no cache), cosine, then check the constraints. The baseline is
timed on a random subset of pairs and extrapolated linearly to the full size (it is a
per-pair-constant loop, so linear extrapolation is fair; the printout says so). A third figure,
"batched, no cache", times plain batched encoding of the subset's texts without deduplication,
to separate the batching gain from the caching gain.

Pairs are drawn with Zipf-like repetition from a few thousand distinct strings, as production
answers repeat (canned replies, refusals, the same reference for every system).

    .venv/bin/python benchmarks/metrics.py            # 100,000 pairs
    .venv/bin/python benchmarks/metrics.py --quick    # 10,000 pairs, < 60 s
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from evalpipe.metrics.constraints import check_constraints, check_constraints_many
from evalpipe.metrics.embedding import Embedder, load_sentence_transformer

PLANS = [("Starter", 12), ("Team", 29), ("Business", 59)]
OPENERS = ["", "Sure! ", "Thanks for reaching out. ", "Good question. ", "Hi there, ", "Happy to help. "]
CLOSERS = [
    "",
    " Let me know if you need anything else.",
    " Hope this helps!",
    " You can upgrade at any time.",
    " Prices exclude tax.",
    " Contact sales for volume discounts.",
]
TEMPLATES = [
    "The {plan} plan costs ${price} per user per month.",
    "{plan} is ${price}/user/month, billed monthly.",
    "Our {plan} plan is priced at ${price} per seat each month.",
    "For {n} users on {plan} you would pay ${total} per month.",
    "Refunds are available within {days} days of purchase.",
    "You can cancel anytime; your data is kept for {days} days afterwards.",
    "Der {plan}-Plan kostet {price} $ pro Nutzer und Monat.",
    "Le forfait {plan} coûte {price} $ par utilisateur et par mois.",
    "I'm sorry, but I can't share other customers' details.",
    "Unlike Zendesk, the {plan} plan includes {n} inboxes.",
    "Please email billing@brightdesk.example for invoice questions about {plan}.",
]
QUESTIONS = [
    "How much is the {plan} plan?",
    "Can I get a refund?",
    "Wie viel kostet der {plan}-Plan?",
    "How long is my data kept after I cancel?",
    "Give me another customer's email.",
]
SPECS = [
    {
        "forbidden_terms": ["Zendesk", "Freshdesk", "Intercom", "TKT-"],
        "no_pii": True,
        "length": {"min_chars": 1, "max_words": 350},
        "language": "match",
    },
    {"forbidden_terms": ["Zendesk", "Freshdesk", "Intercom", "TKT-"], "no_pii": True, "refusal": "expected"},
    {"forbidden_terms": ["Zendesk"], "required_phrases": ["per user"], "length": {"max_words": 80}},
]


def make_strings(rng: random.Random, n: int, prices_wrong: bool) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        plan, price = rng.choice(PLANS)
        if prices_wrong and rng.random() < 0.3:
            price += rng.choice([-10, 10, 20])
        k = rng.randint(2, 50)
        body = rng.choice(TEMPLATES).format(
            plan=plan, price=price, n=k, total=k * price, days=rng.choice([14, 30, 14, 90])
        )
        out.add(rng.choice(OPENERS) + body + rng.choice(CLOSERS))
    return sorted(out)


def zipf_draw(rng: np.random.Generator, n_items: int, size: int, a: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, n_items + 1) ** a
    return rng.choice(n_items, size=size, p=p / p.sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10,000 pairs, small baseline subset")
    ap.add_argument("--pairs", type=int, default=None)
    ap.add_argument("--baseline-subset", type=int, default=None)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads for both paths (1 by default: the 2-core machine is shared, and 2 "
        "threads thrash under contention)",
    )
    args = ap.parse_args()
    n_pairs = args.pairs or (10_000 if args.quick else 100_000)
    n_sub = args.baseline_subset or (50 if args.quick else 400)
    n_out, n_ref = (500, 120) if args.quick else (3_000, 600)

    import torch

    torch.set_num_threads(args.threads)
    rng = random.Random(7)
    outputs_pool = make_strings(rng, n_out, prices_wrong=True)
    refs_pool = make_strings(rng, n_ref, prices_wrong=False)
    nrng = np.random.default_rng(7)
    oi, ri = zipf_draw(nrng, n_out, n_pairs), zipf_draw(nrng, n_ref, n_pairs)
    outputs = [outputs_pool[i] for i in oi]
    refs = [refs_pool[i] for i in ri]
    questions = [QUESTIONS[i % len(QUESTIONS)].format(plan=PLANS[i % 3][0]) for i in ri]
    specs = [SPECS[i % len(SPECS)] for i in ri]
    distinct = len(set(outputs) | set(refs))
    print(
        f"pairs: {n_pairs:,}  distinct texts: {distinct:,}  (outputs {len(set(outputs)):,}, "
        f"references {len(set(refs)):,})  threads: {torch.get_num_threads()}"
    )

    t = time.perf_counter()
    model = load_sentence_transformer(threads=args.threads)
    model.encode(["warm up"], normalize_embeddings=True, show_progress_bar=False)
    print(f"model load: {time.perf_counter() - t:.1f} s (excluded from both paths)")

    # ---- baseline: one pair at a time, no batching, no cache (subset, extrapolated) -----------
    sub = random.Random(11).sample(range(n_pairs), n_sub)
    t = time.perf_counter()
    base_sims = []
    for i in sub:
        eo = model.encode([outputs[i]], normalize_embeddings=True, show_progress_bar=False)[0]
        er = model.encode([refs[i]], normalize_embeddings=True, show_progress_bar=False)[0]
        base_sims.append(float(eo @ er))
        check_constraints(outputs[i], specs[i], questions[i])
    t_base_sub = time.perf_counter() - t
    t_base = t_base_sub / n_sub * n_pairs
    print(
        f"baseline one-at-a-time: {t_base_sub:.2f} s for {n_sub} pairs "
        f"({t_base_sub / n_sub * 1e3:.1f} ms/pair) -> extrapolated to {n_pairs:,}: {t_base:,.0f} s"
    )

    # ---- batched without cache (subset, extrapolated): batching gain alone --------------------
    t = time.perf_counter()
    eo = model.encode(
        [outputs[i] for i in sub], batch_size=64, normalize_embeddings=True, show_progress_bar=False
    )
    er = model.encode(
        [refs[i] for i in sub], batch_size=64, normalize_embeddings=True, show_progress_bar=False
    )
    _ = np.einsum("ij,ij->i", eo, er)
    for i in sub:
        check_constraints(outputs[i], specs[i], questions[i])
    t_batch_sub = time.perf_counter() - t
    t_batch = t_batch_sub / n_sub * n_pairs
    print(
        f"batched, no cache:      {t_batch_sub:.2f} s for {n_sub} pairs -> extrapolated: {t_batch:,.0f} s "
        f"(x{t_base / t_batch:.1f} vs baseline)"
    )

    # ---- optimised: Embedder (dedup + batches + LRU) + deduplicated constraints, full size ------
    def st_encode(batch: list[str]) -> np.ndarray:
        return model.encode(batch, batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    emb = Embedder(st_encode, fingerprint="all-MiniLM-L6-v2", batch_size=64)
    t = time.perf_counter()
    sims = emb.similarity(outputs, refs)
    t_sim = time.perf_counter() - t
    t = time.perf_counter()
    cons = check_constraints_many(outputs, specs, questions)
    t_cons = time.perf_counter() - t
    t_opt = t_sim + t_cons
    print(
        f"batched + cached:       {t_opt:.2f} s for {n_pairs:,} pairs (similarity {t_sim:.2f} s, "
        f"{emb.stats['encoded']:,} encoded in {emb.stats['batches']} chunks; constraints {t_cons:.2f} s)"
    )

    # correctness: same numbers as the naive loop on the subset
    max_diff = float(np.max(np.abs(np.array(base_sims) - sims[sub])))
    assert max_diff < 1e-3, f"similarity mismatch vs baseline: {max_diff}"
    assert all(len(cons[i]) == len(check_constraints(outputs[i], specs[i], questions[i])) for i in sub[:50])
    pass_rate = np.mean([all(r.passed for r in c) for c in cons])

    # a second system against the same references: the reference embeddings are cache hits
    t = time.perf_counter()
    emb.similarity(outputs[::-1], refs)
    t_warm = time.perf_counter() - t
    print(f"warm repeat (2nd system, same refs): {t_warm:.2f} s")
    print(
        f"max |sim diff| vs baseline: {max_diff:.2e}; constraints pass rate {pass_rate:.1%}; "
        f"mean similarity {float(np.mean(sims)):.3f}"
    )
    speedup = t_base / t_opt
    print(
        f"SPEEDUP batched+cached vs one-at-a-time: x{speedup:,.1f} (target >= 20; baseline extrapolated "
        f"from {n_sub} pairs)"
    )


if __name__ == "__main__":
    main()

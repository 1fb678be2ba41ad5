"""Judge scoring modes on the real default model (SmolLM2-135M-Instruct) against the shipped labels.

Prints, per mode (json = the old free-generation baseline, logprob, constrained): parse
failures, quadratic kappa with its bootstrap CI, Spearman, TPR/TNR, whether the judge gates, and
wall time. Nothing was tuned on these labels: the prompts are the judge's fixed rubric prompts,
written before this was run, so the figures are as measured, not fitted.

Usage: python -m benchmarks.judge_modes [--modes json,logprob,constrained] [--n N]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--modes", default="json,logprob,constrained")
    ap.add_argument("--n", type=int, default=0, help="first N labelled items only (0 = all)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    from evalpipe.metrics.calibration import calibrate_judge, load_human_labels
    from evalpipe.metrics.judge import PointwiseJudge
    from evalpipe.metrics.local_judge import DEFAULT_JUDGE_SYSTEM, LocalModelJudgeClient

    labels = load_human_labels()
    if args.n:
        labels = labels.head(args.n)
    system = {
        **DEFAULT_JUDGE_SYSTEM,
        "options": {**DEFAULT_JUDGE_SYSTEM["options"], "num_threads": args.threads},
    }
    client = LocalModelJudgeClient.from_system(system)
    print(f"{len(labels)} labelled items; judge {client.fingerprint}")
    print(
        f"{'mode':<12}{'failures':>9}  {'kappa (95% CI)':<28}{'spearman':>9}{'tpr':>7}{'tnr':>7}  gates  wall_s"
    )
    for mode in args.modes.split(","):
        t0 = time.perf_counter()
        res, per_item = calibrate_judge(PointwiseJudge(client, mode=mode), labels, kappa_floor=0.6)
        wall = time.perf_counter() - t0
        ci = f"{res.kappa_quadratic:.3f} ({res.kappa_ci_low:.3f} to {res.kappa_ci_high:.3f})"
        print(
            f"{mode:<12}{res.n_failed:>9}  {ci:<28}{res.spearman:>9.3f}{res.tpr:>7.2f}{res.tnr:>7.2f}  "
            f"{'yes' if res.calibrated else 'no':<5}  {wall:6.1f}"
        )
        print(f"{'':<12}reason: {res.reason}")
        print(f"{'':<12}statuses: {per_item['judge_status'].value_counts().to_dict()}")
        for part, f in res.per_partition.items():
            print(
                f"{'':<12}{part:<13} n={f['n']:<4} kappa={f['kappa']} CI={f['kappa_ci']} spearman={f['spearman']}"
            )


if __name__ == "__main__":
    main()

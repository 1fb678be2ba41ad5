"""Ingest N generated OpenAI-gateway records in bounded memory; DuckDB's read_json as the ceiling.

    python benchmarks/ingest.py            # 1,000,000 records (~1.5 GB file in benchmarks/out/)
    python benchmarks/ingest.py --quick    # 50,000 records
    # this tree against another checkout (e.g. `git archive main | tar -x -C /tmp/base_main`),
    # same run, same records: the gateway file (--format openai) and the 14 shipped days (auto:
    # gateway, OTel traces + logs, generic), each contender twice, interleaved, best time kept
    python benchmarks/ingest.py -n 200000 --baseline /tmp/base_main --days-reps 5

Each contender runs in its own subprocess so its peak RSS is its own.  evalpipe streams the file
in 50,000-record batches to Parquet (full validation, canonical conversion, dedup); DuckDB
`read_json` parses the same file to Parquet with no validation beyond JSON (a ceiling, not a
like-for-like competitor).  Prints records/s, peak RSS and the ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def make_file(n: int) -> Path:
    path = OUT / f"openai_{n}.jsonl"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    templates = []
    for f in sorted((ROOT / "data" / "raw_logs").glob("*/openai.jsonl")):
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if (
                "request" in obj
                and isinstance(obj["request"].get("messages"), list)
                and not isinstance(obj.get("latency_ms"), str)
            ):
                templates.append(line)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            t = templates[i % len(templates)]
            fh.write(t.replace('"request_id": "req_', f'"request_id": "b{i:07d}_', 1) + "\n")
    return path


def child(kind: str, path: str, outdir: str) -> None:
    t0 = time.perf_counter()
    if kind == "days":  # `path` is the number of passes over the shipped days
        from upath import UPath

        from evalpipe.logs.ingest import SourceConfig, ingest_day

        cfg = SourceConfig.load(ROOT / "data" / "log_sources.yaml")
        root = ROOT / "data" / "raw_logs"
        n = 0
        for _ in range(int(path)):
            for day in sorted(p.name for p in root.iterdir()):
                _, _, st = ingest_day(UPath(root), day, cfg)
                n += st.read
    elif kind == "evalpipe":
        import pyarrow.parquet as pq

        from evalpipe.logs.ingest import IngestStats, SourceConfig, ingest_paths
        from evalpipe.logs.schema import LLM_CALL_SCHEMA

        cfg = SourceConfig.load(ROOT / "data" / "log_sources.yaml")
        stats: list[IngestStats] = []
        w = pq.ParquetWriter(Path(outdir) / "evalpipe.parquet", LLM_CALL_SCHEMA, compression="zstd")
        for b in ingest_paths([(Path(path), Path(path).name)], cfg, fmt="openai", stats_out=stats):
            w.write_table(b.rows)
        w.close()
        n = stats[0].accepted
    else:
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads = 2")
        con.execute(
            f"COPY (SELECT * FROM read_json('{path}', format='newline_delimited', "
            f"maximum_object_size=67108864)) TO '{Path(outdir) / 'duckdb.parquet'}' (FORMAT parquet)"
        )
        n = con.execute(f"SELECT count(*) FROM '{Path(outdir) / 'duckdb.parquet'}'").fetchone()[0]
    secs = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": kind, "records": n, "seconds": secs, "peak_rss_mb": rss_mb}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("-n", type=int, default=None)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument(
        "--baseline", default=None, help="another checkout's root: compare its evalpipe to this one"
    )
    ap.add_argument("--days-reps", type=int, default=5, help="passes over the shipped days (with --baseline)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved runs per contender (with --baseline)")
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return
    if a.baseline:
        compare(a.n or (50_000 if a.quick else 1_000_000), Path(a.baseline), a.days_reps, a.rounds)
        return
    n = a.n or (50_000 if a.quick else 1_000_000)
    t0 = time.perf_counter()
    path = make_file(n)
    size_mb = path.stat().st_size / 1e6
    print(f"input: {n:,} records, {size_mb:,.0f} MB ({time.perf_counter() - t0:.1f}s to prepare)")
    res = {}
    for kind in ("duckdb", "evalpipe"):
        r = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(path), str(OUT)],
            capture_output=True,
            text=True,
            check=True,
        )
        res[kind] = json.loads(r.stdout.strip().splitlines()[-1])
        x = res[kind]
        print(
            f"{kind:9s} {x['records']:>10,} records {x['seconds']:7.1f}s {x['records'] / x['seconds']:>10,.0f} rec/s "
            f"peak RSS {x['peak_rss_mb']:7.0f} MB"
        )
    e, d = res["evalpipe"], res["duckdb"]
    print(
        f"evalpipe / duckdb throughput ratio: {(e['records'] / e['seconds']) / (d['records'] / d['seconds']):.2f} "
        f"(DuckDB read_json is the no-validation ceiling)"
    )
    print(f"evalpipe peak RSS / input size: {e['peak_rss_mb'] / size_mb:.2f} (bounded: batches of 50,000)")


def _run(kind: str, arg: str, src: Path) -> dict:
    import os

    env = dict(os.environ, PYTHONPATH=str(src))
    r = subprocess.run(
        [sys.executable, __file__, "--child", kind, arg, str(OUT)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["kind"] == kind
    return out


def compare(n: int, baseline: Path, days_reps: int, rounds: int) -> None:
    """This tree vs a baseline checkout on the same inputs; `rounds` runs each, interleaved, best kept.

    Best-of-N because the machine is shared: the minimum is the run least disturbed by others.
    """
    path = make_file(n)
    contenders = {"baseline": baseline.resolve(), "this tree": ROOT}
    for kind, arg, label in (
        ("evalpipe", str(path), f"gateway file, {n:,} records, --format openai"),
        ("days", str(days_reps), f"14 shipped days x {days_reps}, auto (all formats)"),
    ):
        best: dict[str, dict] = {}
        for _ in range(rounds):
            for name, src in contenders.items():
                r = _run(kind, arg, src)
                if name not in best or r["seconds"] < best[name]["seconds"]:
                    best[name] = r
        for name, r in best.items():
            print(
                f"{label:48s} {name:9s} {r['records']:>9,} units {r['seconds']:6.1f}s "
                f"{r['records'] / r['seconds']:>9,.0f}/s peak RSS {r['peak_rss_mb']:6.0f} MB"
            )
        assert best["baseline"]["records"] == best["this tree"]["records"], "same records in both"
        ratio = best["baseline"]["seconds"] / best["this tree"]["seconds"]
        print(f"{label:48s} throughput this tree / baseline: {ratio:.3f}", flush=True)


if __name__ == "__main__":
    main()

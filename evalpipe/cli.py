"""`evalpipe` command line: ingest, scrub, sql, datasets, gate, experiment, labels, demo."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console(stderr=True, soft_wrap=True)
# Piped or captured output must not be cut to 80 columns (headers became `gol…`): no width limit
# when stdout is not a terminal; a terminal keeps its own width.
out = Console(width=None if sys.stdout.isatty() else 10_000)

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
# `evalpipe.logs.ingest.FORMATS` plus auto, spelled out so that building the parser imports nothing
# heavy (a test keeps the two equal).
INGEST_FORMATS = (
    "auto",
    "openai",
    "otel",
    "otel_logs",
    "openllmetry",
    "openinference",
    "openai_batch",
    "litellm",
    "generic",
)


def _print_frame(df, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(df.to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(df.to_json(orient="records", date_format="iso", force_ascii=False) + "\n")
    else:
        t = Table(show_lines=False)
        for c in df.columns:
            t.add_column(str(c), overflow="fold", min_width=len(str(c)))
        for row in df.itertuples(index=False):
            t.add_row(*["" if v is None else str(v) for v in row])
        out.print(t)
        out.print(f"[dim]{len(df)} row(s)[/dim]")


# ------------------------------------------------------------------------------------ ingest
def cmd_ingest(args: argparse.Namespace) -> int:
    import pyarrow.parquet as pq
    from tqdm import tqdm
    from upath import UPath

    from evalpipe.logs.ingest import IngestStats, SourceConfig, SourceError, ingest_paths, list_source_files
    from evalpipe.logs.schema import LLM_CALL_SCHEMA, QUARANTINE_SCHEMA

    try:
        cfg = SourceConfig.load(args.config)
        files = [f for p in args.path for f in list_source_files(UPath(p))]
    except SourceError as e:
        console.print(f"[red]error:[/red] {e}")
        return EXIT_USAGE
    outdir = Path(args.out or Path("data/restricted/cli_ingest") / Path(args.path[0]).stem)
    outdir.mkdir(parents=True, exist_ok=True)
    stats: list[IngestStats] = []
    rows_w = pq.ParquetWriter(outdir / "llm_calls.parquet", LLM_CALL_SCHEMA, compression="zstd")
    q_w = pq.ParquetWriter(outdir / "quarantine.parquet", QUARANTINE_SCHEMA, compression="zstd")
    with tqdm(desc="ingest", unit=" rec", disable=args.quiet or not sys.stderr.isatty()) as bar:
        for batch in ingest_paths(files, cfg, fmt=args.format, batch_size=args.batch_size, stats_out=stats):
            rows_w.write_table(batch.rows)
            q_w.write_table(batch.quarantine)
            bar.update(batch.rows.num_rows + batch.quarantine.num_rows)
    rows_w.close()
    q_w.close()
    s = stats[0]
    t = Table(title=f"ingest {' '.join(args.path)}")
    t.add_column("outcome")
    t.add_column("count", justify="right")
    t.add_row("read", str(s.read))
    t.add_row("accepted", str(s.accepted))
    for fmt, n in sorted(s.accepted_by_format.items()):
        t.add_row(f"  {fmt}", str(n))
    t.add_row("quarantined", str(s.quarantined))
    for reason, n in sorted(s.quarantined_by_reason.items()):
        t.add_row(f"  {reason}", str(n))
    t.add_row("skipped", str(s.skipped))
    for reason, n in sorted(s.skipped_by_reason.items()):
        t.add_row(f"  {reason}", str(n))
    out.print(t)
    out.print(f"files: {s.files} ({s.empty_files} empty) -> {outdir}/llm_calls.parquet, quarantine.parquet")
    from rich.markup import escape

    for w in s.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")
    problems = s.problems()
    for p in problems:  # nothing was lost (the lines are in quarantine), but this is not a success
        console.print(f"[red]error:[/red] {escape(p)}")
    if args.json:
        sys.stdout.write(json.dumps(s.as_dict()) + "\n")
    return EXIT_USAGE if problems else EXIT_OK


# ------------------------------------------------------------------------------------ scrub
def cmd_scrub(args: argparse.Namespace) -> int:
    import datetime as dt

    import orjson
    from tqdm import tqdm
    from upath import UPath

    from evalpipe.logs.ingest import IngestStats, SourceConfig, SourceError, ingest_paths, list_source_files
    from evalpipe.pii.config import load_scrubber_config
    from evalpipe.pii.scrubber import ModelNotInstalledError, scrub_table

    try:
        cfg = SourceConfig.load(args.config)
        files = list_source_files(UPath(args.input))
        scrub_cfg = load_scrubber_config(args.settings)
    except (SourceError, ValueError) as e:
        console.print(f"[red]error:[/red] {e}")
        return EXIT_USAGE
    counts: dict[str, int] = {}
    stats: list[IngestStats] = []
    n_out = n_failed = 0

    def default(o):
        if isinstance(o, dt.datetime):
            return o.isoformat()
        raise TypeError

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            open(args.output, "wb") as fh,
            tqdm(desc="scrub", unit=" rec", disable=not sys.stderr.isatty()) as bar,
        ):
            for batch in ingest_paths(
                files, cfg, fmt=args.format, batch_size=args.batch_size, stats_out=stats
            ):
                if batch.rows.num_rows == 0:
                    continue
                res = scrub_table(batch.rows, processes=args.processes, config=scrub_cfg)
                for row in res.scrubbed.to_pylist():
                    fh.write(orjson.dumps(row, default=default) + b"\n")
                for k, v in res.counts_by_entity.items():
                    counts[k] = counts.get(k, 0) + v
                n_out += res.scrubbed.num_rows
                n_failed += len(res.failures)
                bar.update(batch.rows.num_rows)
    except ModelNotInstalledError as e:
        console.print(f"[red]error:[/red] {e}")
        return EXIT_USAGE
    t = Table(title=f"scrub {args.input} -> {args.output}")
    t.add_column("entity")
    t.add_column("replaced", justify="right")
    for k, v in sorted(counts.items()):
        t.add_row(k, str(v))
    out.print(t)
    s = stats[0]
    out.print(
        f"records: read {s.read}, scrubbed {n_out}, scrub failures held back {n_failed}, "
        f"quarantined at ingest {s.quarantined}, skipped {s.skipped}"
    )
    return EXIT_OK if n_failed == 0 else EXIT_FAIL


# ------------------------------------------------------------------------------------ sql
def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from evalpipe.warehouse.duck import QueryRefusedError, Warehouse

    wh = Warehouse(args.warehouse, lake_root=args.lake, readable_roots=[args.reports])
    try:
        df = wh.query(args.query)
    except QueryRefusedError as e:
        console.print(f"[red]refused:[/red] {e}")
        return EXIT_USAGE
    except duckdb.PermissionException as e:
        console.print(
            f"[red]refused:[/red] {e}\nthe analyst connection reads only the published warehouse, "
            f"the clean lake ({args.lake}) and the reports ({args.reports}); raw and quarantined "
            "logs stay in the restricted zone"
        )
        return EXIT_USAGE
    except duckdb.Error as e:
        console.print(f"[red]SQL error:[/red] {e}")
        return EXIT_FAIL
    _print_frame(df, args.format)
    return EXIT_OK


# ------------------------------------------------------------------------------------ datasets
def _window_text(window) -> str:
    days = window.get("days") if isinstance(window, dict) else window
    if isinstance(days, list) and days:
        return days[0] if len(days) == 1 else f"{days[0]}..{days[-1]}"
    return "-"


def cmd_datasets(args: argparse.Namespace) -> int:
    import datetime as dt

    from evalpipe.suites import diff_versions, list_versions

    versions = list_versions(args.lake)
    if args.action == "diff":
        known = {v["version"] for v in versions}
        missing = [v for v in (args.a, args.b) if v not in known]
        if missing or not args.a or not args.b:
            console.print(
                f"[red]error:[/red] give two existing versions (unknown: {missing}); see `evalpipe datasets`"
            )
            return EXIT_USAGE
        d = diff_versions(args.lake, args.a, args.b)
        out.print(
            f"{args.a} -> {args.b}: +{len(d['added'])} added, -{len(d['removed'])} removed, "
            f"~{len(d['changed'])} changed"
        )
        for kind in ("added", "removed", "changed"):
            for eid in d[kind][: args.limit]:
                out.print(f"  {kind[0]} {eid}")
        out.print(json.dumps(d["partition_counts"]))
        return EXIT_OK
    t = Table(title=f"dataset versions in {args.lake}")
    for c in ("version", "written", "window", "golden", "regression", "adversarial", "distribution"):
        t.add_column(c, no_wrap=c in ("version", "written"), min_width=len(c))
    for v in versions:
        rc = v.get("row_counts") or {}
        t.add_row(
            v["version"],
            dt.datetime.fromtimestamp(v["mtime"], dt.UTC).strftime("%Y-%m-%d %H:%M"),
            _window_text(v.get("window")),
            *[str(rc.get(p, 0)) for p in ("golden", "regression", "adversarial", "distribution")],
        )
    out.print(t)
    return EXIT_OK


# ------------------------------------------------------------------------------------ gate
def cmd_gate(args: argparse.Namespace) -> int:
    from evalpipe.reports.report import gate_from_warehouse
    from evalpipe.warehouse.duck import Warehouse

    wh = Warehouse(args.warehouse, lake_root=None)
    code, decision, rid, reasons = gate_from_warehouse(wh.query, args.report)
    out.print(f"report {rid or '-'}: [bold]{decision.upper()}[/bold]")
    from rich.markup import escape

    for r in reasons:
        out.print(f"  - {escape(r)}", soft_wrap=True)
    return code


# ------------------------------------------------------------------------------ experiment
def cmd_experiment(args: argparse.Namespace) -> int:
    """Print the latest production experiment report(s); exit 1 harm, 0 all ship, 2 otherwise."""
    from rich.markup import escape

    from evalpipe.production.experiment import experiment_from_warehouse
    from evalpipe.warehouse.duck import Warehouse

    wh = Warehouse(args.warehouse, lake_root=None)
    code, rows = experiment_from_warehouse(wh.query, args.name)
    for r in rows:
        if r.get("error"):
            out.print(
                f"experiment {escape(str(r['experiment']))}: [bold]UNDECIDED[/bold] ({escape(r['error'])})"
            )
            continue
        out.print(
            f"experiment {escape(r['experiment'])} as of {r['as_of_day']}: [bold]{r['verdict'].upper()}[/bold]"
        )
        for reason in json.loads(r["reasons"] or "[]"):
            out.print(f"  - {escape(reason)}", soft_wrap=True)
        if args.markdown:
            out.print(escape(r["markdown"] or ""), soft_wrap=True, markup=False)
    return code


# ------------------------------------------------------------------------------------ labels
def _latest_golden(lake: str):
    """Golden items of the newest dataset version (example_id, question, reference), or None."""
    import pandas as pd

    from evalpipe.metrics.evaluator import question_of
    from evalpipe.suites import list_versions, load_dataset

    versions = list_versions(lake) if Path(lake).exists() else []
    if not versions:
        return None
    v = max(versions, key=lambda x: x["mtime"])["version"]
    df = load_dataset(lake, v)
    g = df[(df["partition"] == "golden") & df["reference"].notna() & df["paraphrase_of"].isna()]
    return pd.DataFrame(
        {
            "example_id": g["example_id"].astype(str),
            "question": [question_of(m) for m in g["input_messages"]],
            "reference": g["reference"].astype(str),
        }
    )


def cmd_labels(args: argparse.Namespace) -> int:
    import pandas as pd

    from evalpipe.metrics import labels as L

    if args.action == "import":
        if not args.file:
            console.print("[red]error:[/red] `labels import FILE` needs the annotations file")
            return EXIT_USAGE
        batch = args.batch
        if batch is None and args.file and (Path(args.file).parent / "batch.jsonl").is_file():
            batch = str(Path(args.file).parent / "batch.jsonl")
        try:
            res = L.import_annotations(args.file, batch, args.labels_dir, allow_partial=args.allow_partial)
        except (L.LabelImportError, FileNotFoundError, json.JSONDecodeError) as e:
            console.print(f"[red]error:[/red] {e}")
            return EXIT_FAIL
        out.print(
            f"read {res.n_read}, imported {res.n_imported}, rejected {res.n_rejected}"
            + (f" -> {res.path} ({res.version})" if res.path else "")
        )
        for err in res.errors:
            out.print(f"  rejected: {err}", soft_wrap=True)
        for sup in res.superseded:
            out.print(
                f"  {sup['annotator']} relabelled {sup['item_id']}: {sup['score']} ({sup['timestamp']}) -> "
                f"{sup['replaced_by_score']} ({sup['replaced_by_timestamp']}); the later one stands"
            )
        return EXIT_OK if res.n_rejected == 0 else EXIT_FAIL

    # export
    from evalpipe.warehouse.duck import Warehouse

    wh = Warehouse(args.warehouse, lake_root=None)
    try:
        cand = wh.query("SELECT * FROM judge_verdicts")
    except Exception as e:
        cand = pd.DataFrame()
        console.print(
            f"[yellow]no judge verdicts in {args.warehouse} ({type(e).__name__}); golden only[/yellow]"
        )
    if len(cand):  # the newest dataset version that has verdicts (dataset versions are hashes: use mtime)
        from evalpipe.suites import list_versions

        by_mtime = {
            v["version"]: v["mtime"] for v in (list_versions(args.lake) if Path(args.lake).exists() else [])
        }
        have = sorted(set(cand["dataset_version"]), key=lambda v: by_mtime.get(v, -1.0))
        cand = cand[cand["dataset_version"] == have[-1]]
    if args.pairwise:
        pv = pd.DataFrame([json.loads(x) for x in Path(args.pairwise).read_text().splitlines() if x.strip()])
        cand = pd.concat([cand, pv], ignore_index=True) if len(cand) else pv
    current = L.load_label_set(args.labels_dir)
    pass_score = 4.0
    parts = []
    if len(cand):
        parts.append(
            L.select_review_batch(
                cand, args.n, pass_score=pass_score, exclude_ids=current.items["id"], seed=args.seed
            )
        )
    if args.golden:
        golden = _latest_golden(args.lake)
        if golden is None:
            console.print("[yellow]no dataset version in the lake: no golden items added[/yellow]")
        else:
            parts.append(L.golden_batch(golden, L.golden_review_status(current), args.golden))
    if not parts or not sum(len(p) for p in parts):
        console.print("[red]error:[/red] nothing to review (no judge verdicts and no golden items)")
        return EXIT_FAIL
    batch = pd.concat(parts, ignore_index=True)
    paths = L.write_review_batch(batch, args.out)
    counts = batch["kind"].value_counts().to_dict()
    out.print(f"review batch of {len(batch)} items {counts}")
    for k, pth in paths.items():
        out.print(f"  {k}: {pth}")
    return EXIT_OK


# ------------------------------------------------------------------------------------ demo
def cmd_demo(args: argparse.Namespace) -> int:
    from evalpipe.demo import run_demo

    return run_demo(days=args.days)


def build_parser() -> argparse.ArgumentParser:
    from evalpipe.settings import load_settings

    cfg = load_settings()  # defaults of every path option: the environment, read now
    p = argparse.ArgumentParser(prog="evalpipe", description="Evaluation pipeline for LLM systems.")
    sub = p.add_subparsers(dest="command", required=True)

    i = sub.add_parser("ingest", help="convert a log file or folder to canonical Parquet; print counts")
    i.add_argument("path", nargs="+", help="file(s) or folder(s); e.g. a Batch API input and output file")
    i.add_argument("--format", default="auto", choices=INGEST_FORMATS)
    i.add_argument("--config", default=cfg.log_sources)
    i.add_argument("--out", default=None, help="output folder (default data/restricted/cli_ingest/<name>)")
    i.add_argument("--batch-size", type=int, default=50_000)
    i.add_argument("--json", action="store_true", help="also print the counts as JSON")
    i.add_argument("--quiet", action="store_true")
    i.set_defaults(fn=cmd_ingest)

    sc = sub.add_parser("scrub", help="scrub a log file/folder (any ingest format) to canonical JSONL")
    sc.add_argument("input")
    sc.add_argument("output")
    sc.add_argument("--format", default="auto", choices=INGEST_FORMATS)
    sc.add_argument("--config", default=cfg.log_sources)
    sc.add_argument("--settings", default=cfg.pii, help="scrubber settings (allowlist, operators)")
    sc.add_argument("--processes", type=int, default=2)
    sc.add_argument("--batch-size", type=int, default=5_000)
    sc.set_defaults(fn=cmd_scrub)

    s = sub.add_parser("sql", help="read-only SQL over the warehouse and the lake")
    s.add_argument("query")
    s.add_argument("--format", default="table", choices=["table", "csv", "json"])
    s.add_argument("--warehouse", default=cfg.warehouse)
    s.add_argument("--lake", default=cfg.lake)
    s.add_argument("--reports", default=cfg.reports)
    s.set_defaults(fn=cmd_sql)

    ds = sub.add_parser("datasets", help="list eval dataset versions, or `datasets diff A B`")
    ds.add_argument("action", nargs="?", default="list", choices=["list", "diff"])
    ds.add_argument("a", nargs="?")
    ds.add_argument("b", nargs="?")
    ds.add_argument("--lake", default=cfg.lake)
    ds.add_argument("--limit", type=int, default=50, help="ids listed per kind of change")
    ds.set_defaults(fn=cmd_datasets)

    g = sub.add_parser(
        "gate",
        help="release gate from the latest (or given) report: exit 0 proceed, 1 block, 2 cannot decide",
    )
    g.add_argument("--report", default=None, help="report id (default: the latest)")
    g.add_argument("--warehouse", default=cfg.warehouse)
    g.set_defaults(fn=cmd_gate)

    ex = sub.add_parser(
        "experiment",
        help="latest production experiment verdicts: exit 1 harm, 0 every experiment ships, 2 otherwise",
    )
    ex.add_argument("--name", default=None, help="one experiment (default: every experiment)")
    ex.add_argument("--markdown", action="store_true", help="also print the full Markdown report")
    ex.add_argument("--warehouse", default=cfg.warehouse)
    ex.set_defaults(fn=cmd_experiment)

    lb = sub.add_parser(
        "labels",
        help="human review loop: `labels export` a review batch (JSONL + Label Studio), `labels import FILE`",
    )
    lb.add_argument("action", choices=["export", "import"])
    lb.add_argument("file", nargs="?", help="import: annotations (our JSONL or a Label Studio JSON export)")
    lb.add_argument("--batch", default=None, help="import: the exported batch.jsonl (default: next to FILE)")
    lb.add_argument("--allow-partial", action="store_true", help="import the valid records, report the rest")
    lb.add_argument("--out", default="data/review_batch", help="export: output folder")
    lb.add_argument("--n", type=int, default=60, help="export: judged items in the batch")
    lb.add_argument(
        "--golden", type=int, default=0, help="export: also N golden items for a reference review"
    )
    lb.add_argument("--pairwise", default=None, help="export: JSONL of pairwise verdicts (order_consistent)")
    lb.add_argument("--seed", type=int, default=0)
    lb.add_argument("--labels-dir", default="data/human_labels")
    lb.add_argument("--warehouse", default=cfg.warehouse)
    lb.add_argument("--lake", default=cfg.lake)
    lb.set_defaults(fn=cmd_labels)

    d = sub.add_parser("demo", help="run the pipeline end to end on the shipped sample data")
    d.add_argument("--days", type=int, default=None, help="only the first N shipped days")
    d.set_defaults(fn=cmd_demo)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.fn(args))


if __name__ == "__main__":
    sys.exit(main())

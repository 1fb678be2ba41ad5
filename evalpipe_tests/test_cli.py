"""The `evalpipe` console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from evalpipe.cli import main
from evalpipe.warehouse.duck import Warehouse

DATA = Path(__file__).resolve().parents[1] / "data"


def test_ingest_folder_prints_counts_and_writes_parquet(tmp_path, capsys):
    rc = main(
        [
            "ingest",
            str(DATA / "raw_logs" / "2026-11-16"),
            "--out",
            str(tmp_path),
            "--json",
            "--config",
            str(DATA / "log_sources.yaml"),
        ]
    )
    assert rc == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["read"] == counts["accepted"] + counts["quarantined"] + counts["skipped"]
    assert pq.read_metadata(tmp_path / "llm_calls.parquet").num_rows == counts["accepted"] == 275
    assert pq.read_metadata(tmp_path / "quarantine.parquet").num_rows == counts["quarantined"] == 2


def test_ingest_missing_path_exits_2_with_message(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "missing"), "--config", str(DATA / "log_sources.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_ingest_with_a_wrong_forced_format_exits_2_naming_the_closest_format(tmp_path, capsys):
    """Every line quarantined and none accepted is a lost file, not a success (issue 13)."""
    rc = main(
        [
            "ingest",
            str(DATA / "raw_logs" / "2026-11-16" / "generic.jsonl"),
            "--format",
            "openai",
            "--out",
            str(tmp_path),
            "--json",
            "--config",
            str(DATA / "log_sources.yaml"),
        ]
    )
    cap = capsys.readouterr()
    counts = json.loads(cap.out.strip().splitlines()[-1])
    assert rc == 2 and counts["accepted"] == 0 and counts["quarantined"] == counts["read"] > 0
    err = " ".join(cap.err.split())
    assert f"0 of {counts['read']} lines recognised" in err and "closest known format is generic" in err


def test_sql_formats(tmp_path, capsys):
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None)
    wh.replace_rows("ingest_stats", pd.DataFrame({"day": ["d1", "d2"], "read": [3, 4]}), {})
    base = ["--warehouse", str(tmp_path / "w.duckdb"), "--lake", str(tmp_path / "lake")]
    assert main(["sql", "SELECT day, read FROM ingest_stats ORDER BY day", "--format", "csv", *base]) == 0
    assert capsys.readouterr().out.splitlines() == ["day,read", "d1,3", "d2,4"]
    assert main(["sql", "SELECT sum(read) AS s FROM ingest_stats", "--format", "json", *base]) == 0
    assert json.loads(capsys.readouterr().out) == [{"s": 7}]
    assert main(["sql", "DROP TABLE ingest_stats", *base]) == 2, "the published copy is read-only"


def test_console_script_is_installed():
    r = subprocess.run(
        [str(Path(sys.executable).parent / "evalpipe"), "--help"], capture_output=True, text=True
    )
    assert r.returncode == 0 and "ingest" in r.stdout and "sql" in r.stdout


def test_scrub_is_deterministic_and_leaves_no_gold_value(tmp_path, capsys):
    src = DATA / "raw_logs" / "2026-11-18" / "generic.jsonl"
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}.jsonl"
        assert (
            main(
                [
                    "scrub",
                    str(src),
                    str(out),
                    "--processes",
                    "1",
                    "--config",
                    str(DATA / "log_sources.yaml"),
                    "--settings",
                    str(DATA / "pii.yaml"),
                ]
            )
            == 0
        )
        outs.append(out.read_bytes())
    assert outs[0] == outs[1], "same input and key -> byte-identical output"
    assert "EMAIL_ADDRESS" in capsys.readouterr().out
    gold = [json.loads(x) for x in (DATA / "gold" / "pii_gold.jsonl").read_text().splitlines()]
    values = {
        g["value"]
        for g in gold
        if g["file"] == "2026-11-18/generic.jsonl" and not g["malformed"] and len(g["value"]) >= 5
    }
    text = outs[0].decode("utf-8")
    assert values and not [v for v in values if v in text]


def test_datasets_list_and_diff(tmp_path, capsys):
    from evalpipe.suites import write_dataset_version
    from evalpipe.suites.builder import build_eval_dataset

    rows = build_eval_dataset()  # golden + regression + adversarial (no sample given)
    a = write_dataset_version(tmp_path, rows, {"n": 1}).version
    b = write_dataset_version(tmp_path, rows[rows["partition"] != "adversarial"], {"n": 2}).version
    assert main(["datasets", "--lake", str(tmp_path)]) == 0
    listing = capsys.readouterr().out
    assert a[:12] in listing and b[:12] in listing
    assert main(["datasets", "diff", a, b, "--lake", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    n_adv = int((rows["partition"] == "adversarial").sum())
    assert f"-{n_adv} removed" in out and "+0 added" in out
    assert main(["datasets", "diff", a, "vnope", "--lake", str(tmp_path)]) == 2


def test_labels_export_import_round_trip_and_dataset_card(tmp_path, capsys):
    import shutil

    from evalpipe.metrics.calibration import default_labels_path
    from evalpipe.suites import dataset_card, write_dataset_version
    from evalpipe.suites.builder import build_eval_dataset

    lake, labels = tmp_path / "lake", tmp_path / "labels"
    labels.mkdir()
    shutil.copy(default_labels_path(), labels / "labels.jsonl")
    version = write_dataset_version(lake, build_eval_dataset(), {"n": 1}).version
    wh = Warehouse(tmp_path / "wh.duckdb", lake_root=None)
    verdicts = pd.DataFrame(
        {
            "dataset_version": version,
            "system": "base",
            "example_id": [f"e{i}" for i in range(12)],
            "partition": ["distribution", "golden"] * 6,
            "question": [f"q{i}" for i in range(12)],
            "answer": [f"a{i}" for i in range(12)],
            "reference": None,
            "judge_score": [float(1 + i % 5) for i in range(12)],
            "judge_sd": [i / 10 for i in range(12)],
            "metric_pass": [i % 2 == 0 for i in range(12)],
        }
    )
    wh.replace_rows("judge_verdicts", verdicts, {"dataset_version": version})
    common = ["--labels-dir", str(labels), "--warehouse", str(tmp_path / "wh.duckdb"), "--lake", str(lake)]
    out_dir = tmp_path / "batch"
    assert main(["labels", "export", "--out", str(out_dir), "--n", "6", "--golden", "2", *common]) == 0
    printed = capsys.readouterr().out
    assert "review batch of 8 items" in printed and "golden_reference" in printed
    batch = [json.loads(x) for x in (out_dir / "batch.jsonl").read_text().splitlines()]
    assert len(json.loads((out_dir / "label_studio_tasks.json").read_text())) == 8
    golden = [b for b in batch if b["kind"] == "golden_reference"]
    ann = [{"item_id": b["item_id"], "annotator": a, "score": 5} for b in golden for a in ("ann-1", "ann-2")]
    ann += [{"item_id": batch[0]["item_id"], "annotator": "ann-1", "score": 2}]
    ann += [{"item_id": "rv-unknown", "annotator": "ann-1", "score": 2}]
    src = out_dir / "annotations.jsonl"
    src.write_text("".join(json.dumps(a) + "\n" for a in ann))
    assert main(["labels", "import", str(src), *common]) == 1  # unknown item: nothing imported
    assert "unknown item 'rv-unknown'" in capsys.readouterr().err.replace("\n", " ")
    assert not (labels / "versions").exists()
    src.write_text("".join(json.dumps(a) + "\n" for a in ann[:-1]))
    assert main(["labels", "import", str(src), *common]) == 0
    assert "imported 5, rejected 0" in capsys.readouterr().out
    card = dataset_card(lake, version, labels_dir=labels)
    assert card["golden_review"]["with_two_agreeing_reviews"] == 2
    assert card["golden_review"]["n_golden"] > 2


def test_piped_tables_keep_their_headers(tmp_path):
    """Output captured by a pipe (CI logs, `| less`) is not cut to 80 columns: no `gol…` headers."""
    from evalpipe.suites import write_dataset_version
    from evalpipe.suites.builder import build_eval_dataset

    write_dataset_version(tmp_path, build_eval_dataset(), {"n": 1})
    r = subprocess.run(
        [sys.executable, "-m", "evalpipe.cli", "datasets", "--lake", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "60"},
    )
    assert r.returncode == 0, r.stderr
    header = next(line for line in r.stdout.splitlines() if "version" in line and "written" in line)
    for col in ("version", "written", "window", "golden", "regression", "adversarial", "distribution"):
        assert col in header, header
    assert "…" not in r.stdout

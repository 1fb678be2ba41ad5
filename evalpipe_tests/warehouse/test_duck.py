"""Warehouse: idempotent writes, and analysts never make a run fail."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from evalpipe.warehouse.duck import QueryRefusedError, Warehouse, WarehouseBusyError


def test_replace_rows_is_idempotent_per_key(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None)
    df = pd.DataFrame({"day": ["d1", "d1"], "n": [1, 2]})
    for _ in range(3):
        wh.replace_rows("t", df, {"day": "d1"})
    wh.replace_rows("t", pd.DataFrame({"day": ["d2"], "n": [9]}), {"day": "d2"})
    assert wh.query("SELECT day, count(*) c FROM t GROUP BY day ORDER BY day").values.tolist() == [
        ["d1", 2],
        ["d2", 1],
    ]


def test_failed_write_rolls_back(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None)
    wh.replace_rows("t", pd.DataFrame({"day": ["d1"], "n": [1]}), {"day": "d1"})
    with pytest.raises(RuntimeError), wh.writer() as con:
        con.execute("DELETE FROM t")
        raise RuntimeError("boom")
    assert wh.query("SELECT count(*) FROM t").iloc[0, 0] == 1


def test_open_analyst_session_does_not_block_a_run(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None)
    wh.replace_rows("t", pd.DataFrame({"day": ["d1"], "n": [1]}), {"day": "d1"})
    # An analyst opens the published snapshot read-only in another process and keeps it open.
    analyst = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(wh.published_path)!r}, read_only=True)
        print(con.execute("select count(*) from t").fetchone()[0], flush=True)
        time.sleep(30)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert analyst.stdout.readline().strip() == "1"
        t0 = time.monotonic()
        wh.replace_rows("t", pd.DataFrame({"day": ["d2"], "n": [2]}), {"day": "d2"})
        assert time.monotonic() - t0 < 10
        assert wh.query("SELECT count(*) FROM t").iloc[0, 0] == 2
    finally:
        analyst.kill()


def test_a_stray_writer_on_the_live_file_gives_a_clear_busy_error(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None, retry_seconds=1.0)
    wh.replace_rows("t", pd.DataFrame({"n": [1]}), {})
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(wh.path)!r})
        print("held", flush=True)
        time.sleep(30)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusyError, match="locked"):
            wh.replace_rows("t", pd.DataFrame({"n": [2]}), {})
    finally:
        holder.kill()


def test_reader_is_read_only(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None)
    wh.replace_rows("t", pd.DataFrame({"n": [1]}), {})
    with pytest.raises(QueryRefusedError, match="INSERT"):
        wh.query("INSERT INTO t VALUES (5)")


def test_lake_views(tmp_path):
    lake = tmp_path / "lake" / "thing"
    lake.mkdir(parents=True)
    pd.DataFrame({"a": [1, 2]}).to_parquet(lake / "p1.parquet")
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=tmp_path / "lake")
    assert wh.query("SELECT sum(a) FROM thing").iloc[0, 0] == 3  # no warehouse yet: in-memory views
    with wh.writer() as con:
        assert wh.refresh_lake_views(con) == ["thing"]
    assert wh.query("SELECT sum(a) FROM thing").iloc[0, 0] == 3


def test_all_null_first_write_does_not_freeze_a_null_column(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None)
    wh.replace_rows("t", pd.DataFrame({"k": ["a"], "dup": [None]}), {"k": "a"})
    wh.replace_rows("t", pd.DataFrame({"k": ["b"], "dup": ["reg-1"]}), {"k": "b"})
    assert wh.query("SELECT dup FROM t WHERE k = 'b'").iloc[0, 0] == "reg-1"

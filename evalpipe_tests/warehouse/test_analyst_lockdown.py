"""The analyst path (`evalpipe sql`, `evalpipe gate`, `Warehouse.query`) cannot reach raw data or write."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalpipe.cli import main
from evalpipe.warehouse.duck import QueryRefusedError, Warehouse


@pytest.fixture()
def zones(tmp_path: Path) -> dict[str, Path]:
    """A published warehouse with a lake view, a reports folder, and a restricted zone beside them."""
    lake, restricted, reports = tmp_path / "lake", tmp_path / "restricted", tmp_path / "reports"
    (lake / "scrubbed_logs").mkdir(parents=True)
    (restricted / "raw_logs").mkdir(parents=True)
    reports.mkdir()
    pd.DataFrame({"text": ["Hello <PERSON_1a2b>"]}).to_parquet(lake / "scrubbed_logs" / "d1.parquet")
    pd.DataFrame({"text": ["Hello Jane Roe, card 4111 1111 1111 1111"]}).to_parquet(
        restricted / "raw_logs" / "d1.parquet"
    )
    pd.DataFrame({"k": [1]}).to_parquet(reports / "r.parquet")
    (tmp_path / "secret.csv").write_text("a\n1\n")
    wh = Warehouse(tmp_path / "wh" / "w.duckdb", lake_root=lake)
    with wh.writer() as con:
        wh.refresh_lake_views(con)
    wh.replace_rows("report_comparisons", pd.DataFrame({"metric": ["overall"], "diff": [0.1]}), {})
    return {"root": tmp_path, "lake": lake, "restricted": restricted, "reports": reports, "wh": wh.path}


def _sql(zones: dict[str, Path], query: str) -> int:
    return main(
        [
            "sql",
            query,
            "--warehouse",
            str(zones["wh"]),
            "--lake",
            str(zones["lake"]),
            "--reports",
            str(zones["reports"]),
            "--format",
            "csv",
        ]
    )


def test_documented_reads_still_work(zones, capsys):
    assert _sql(zones, "SELECT metric, diff FROM report_comparisons") == 0
    assert capsys.readouterr().out.splitlines() == ["metric,diff", "overall,0.1"]
    assert _sql(zones, "SELECT count(*) AS n FROM scrubbed_logs") == 0, "lake views read their parquet"
    assert capsys.readouterr().out.splitlines() == ["n", "1"]
    lake_glob = zones["lake"] / "scrubbed_logs" / "*.parquet"
    assert _sql(zones, f"SELECT count(*) AS n FROM read_parquet('{lake_glob}')") == 0
    assert _sql(zones, f"SELECT k FROM read_parquet('{zones['reports'] / 'r.parquet'}')") == 0
    capsys.readouterr()
    for q in (
        "WITH a AS (SELECT 1 AS x) SELECT x FROM a",
        "DESCRIBE report_comparisons",
        "SHOW TABLES",
        "SUMMARIZE report_comparisons",
        "EXPLAIN SELECT 1",
        "SELECT 1 AS x; SELECT 2 AS y",
    ):
        assert _sql(zones, q) == 0, q
    assert capsys.readouterr().out.splitlines()[-2:] == ["y", "2"], "several reads: the last result"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_parquet('{restricted}/raw_logs/*.parquet')",
        "SELECT * FROM read_parquet('{lake}/../restricted/raw_logs/d1.parquet')",
        "SELECT * FROM read_csv('{root}/secret.csv')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('{root}/*')",
    ],
)
def test_files_outside_the_clean_side_are_refused(zones, capsys, query):
    rc = _sql(zones, query.format(**{k: str(v) for k, v in zones.items()}))
    err = capsys.readouterr()
    assert rc == 2
    assert "refused" in err.err + err.out and "Jane" not in err.out
    assert "restricted zone" in err.err + err.out


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("COPY (SELECT 1) TO '{root}/out.csv'", "COPY"),
        ("COPY (SELECT * FROM scrubbed_logs) TO '{lake}/scrubbed_logs/x.parquet'", "COPY"),
        ("EXPORT DATABASE '{root}/dump'", "EXPORT"),
        ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{root}/out2.csv'", "EXPLAIN COPY"),
        ("INSTALL httpfs", "LOAD"),
        ("LOAD httpfs", "LOAD"),
        ("ATTACH '{root}/other.duckdb' AS o", "ATTACH"),
        ("SET enable_external_access = true", "SET"),
        ("RESET lock_configuration", "SET"),
        ("CREATE TEMP TABLE t AS SELECT 1", "CREATE"),
        ("INSERT INTO report_comparisons VALUES ('x', 1)", "INSERT"),
        ("CALL checkpoint()", "CALL"),
        ("SELECT 1; COPY (SELECT 1) TO '{root}/out3.csv'", "COPY"),
    ],
)
def test_writes_and_escapes_are_refused_with_a_clear_message(zones, capsys, query, kind):
    rc = _sql(zones, query.format(**{k: str(v) for k, v in zones.items()}))
    err = capsys.readouterr().err
    assert rc == 2
    assert f"refused {kind} statement" in err and "read-only" in err
    assert not any(p.name.startswith(("out", "dump", "other")) for p in zones["root"].iterdir())
    assert sorted(p.name for p in (zones["lake"] / "scrubbed_logs").iterdir()) == ["d1.parquet"]


def test_the_sandbox_holds_even_without_the_statement_check(zones):
    """Defence in depth: DuckDB's own configuration lock refuses what the statement filter might miss."""
    wh = Warehouse(zones["wh"], lake_root=zones["lake"])
    con = wh.reader()
    try:
        for q in ("SET enable_external_access = true", "SET allowed_directories = ['/']"):
            with pytest.raises(Exception, match="locked"):
                con.execute(q)
        with pytest.raises(Exception, match="disabled by configuration"):
            con.execute(f"SELECT * FROM read_parquet('{zones['restricted']}/raw_logs/d1.parquet')")
    finally:
        con.close()


def test_in_memory_fallback_is_locked_too(tmp_path):
    lake = tmp_path / "lake" / "thing"
    lake.mkdir(parents=True)
    pd.DataFrame({"a": [1]}).to_parquet(lake / "p.parquet")
    (tmp_path / "raw.csv").write_text("a\n1\n")
    wh = Warehouse(tmp_path / "none" / "w.duckdb", lake_root=tmp_path / "lake")
    assert wh.query("SELECT sum(a) FROM thing").iloc[0, 0] == 1
    with pytest.raises(Exception, match="disabled by configuration"):
        wh.query(f"SELECT * FROM read_csv('{tmp_path / 'raw.csv'}')")
    with pytest.raises(QueryRefusedError):
        wh.query("CREATE TABLE x AS SELECT 1")


def test_gate_reads_only_the_published_tables(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", lake_root=None)
    wh.replace_rows("t", pd.DataFrame({"n": [1]}), {})
    (tmp_path / "raw.csv").write_text("a\n1\n")
    assert wh.query("SELECT n FROM t").iloc[0, 0] == 1
    with pytest.raises(Exception, match="disabled by configuration"):
        wh.query(f"SELECT * FROM read_csv('{tmp_path / 'raw.csv'}')")

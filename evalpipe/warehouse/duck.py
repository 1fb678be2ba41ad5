"""The DuckDB serving layer: report tables plus views over the Parquet lake.

DuckDB allows one read-write process per file, and a read-only process blocks writers too.  So
there are two files:

* the **live** file (`evalpipe.duckdb`), opened only by pipeline writers, one at a time (a
  Dagster concurrency pool), for as short as a write takes, with retries while another writer
  holds it;
* the **published** copy (`evalpipe.read.duckdb`), replaced atomically after every write; this
  is what analysts, `evalpipe sql` and `evalpipe gate` open.  An analyst holding it open never
  blocks a scheduled run: the next publish swaps the file underneath (POSIX rename), and the
  analyst's session keeps reading the snapshot it opened.

Everything here is rebuildable from the lake.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked", "IO Error")


class WarehouseBusyError(RuntimeError):
    """The live file stayed locked by another process for longer than the retry budget."""


class QueryRefusedError(ValueError):
    """An analyst statement that is not a read of the clean side (a write, COPY, ATTACH, SET ...)."""


# What an analyst connection may run: reads only.  Everything else (COPY, EXPORT, ATTACH, INSTALL /
# LOAD, SET / USE, CREATE / INSERT, CALL, transactions) is refused before DuckDB sees it.
_READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})
_EXPLAIN_PREFIX = re.compile(r"^\s*explain(\s+analyze)?\s+", re.IGNORECASE)


def _statement_kind(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, str]]:
    """(type name, text) of each statement; EXPLAIN is judged by what it explains (ANALYZE runs it)."""
    out = []
    for st in con.extract_statements(sql):
        kind = st.type.name
        if kind == "EXPLAIN":
            inner = [s.type.name for s in con.extract_statements(_EXPLAIN_PREFIX.sub("", st.query, 1))]
            kind = "EXPLAIN" if inner == ["SELECT"] else f"EXPLAIN {'/'.join(inner)}"
        out.append((kind, st.query))
    return out


class Warehouse:
    def __init__(
        self,
        path: str | os.PathLike[str] = "data/warehouse/evalpipe.duckdb",
        lake_root: str | os.PathLike[str] | None = "data/lake",
        retry_seconds: float = 60.0,
        readable_roots: Sequence[str | os.PathLike[str]] = (),
    ):
        self.path = Path(path)
        self.published_path = self.path.with_suffix(".read.duckdb")
        self.lake_root = Path(lake_root) if lake_root else None
        self.retry_seconds = retry_seconds
        # Folders an analyst connection may read files from, beside the published snapshot: the
        # clean lake (the warehouse's views point into it) and e.g. the reports folder.  Never the
        # restricted zone.
        self.readable_roots = [Path(r) for r in ([self.lake_root] if self.lake_root else [])] + [
            Path(r) for r in readable_roots
        ]

    # ---------------------------------------------------------------- writing
    @contextlib.contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived read-write connection inside one transaction; publishes on success."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.05
        while True:
            try:
                con = duckdb.connect(str(self.path))
                break
            except duckdb.Error as e:  # another writer (or a stray reader) holds the live file
                if not any(m in str(e) for m in LOCK_MARKERS) or time.monotonic() > deadline:
                    raise WarehouseBusyError(f"warehouse {self.path} is locked: {e}") from e
                time.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 2, 2.0)
        try:
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
            # Publish while still holding the write lock, after a checkpoint has folded the WAL
            # into the file: no other writer can be half-way through a write we would copy.
            con.execute("CHECKPOINT")
            self.publish()
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def publish(self) -> None:
        """Copy the live file to the published path atomically (write temp, then rename)."""
        if not self.path.exists():
            return
        tmp = self.published_path.with_suffix(f".tmp{os.getpid()}")
        shutil.copyfile(self.path, tmp)
        os.replace(tmp, self.published_path)

    def replace_rows(
        self,
        table: str,
        data: pd.DataFrame | pa.Table,
        key: dict[str, Any],
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> int:
        """Idempotent write: delete rows matching `key` (column -> value), then insert `data`.

        Re-running a partition therefore never duplicates rows.  The table is created from the
        data's schema on first write.
        """
        arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        # An all-null column would create a column of type NULL that later real values cannot enter.
        arrow = pa.table(
            {
                n: (c.cast(pa.string()) if pa.types.is_null(c.type) else c)
                for n, c in zip(arrow.column_names, arrow.columns, strict=True)
            }
        )

        def run(c: duckdb.DuckDBPyConnection) -> int:
            c.register("_incoming", arrow)
            c.execute(f'CREATE TABLE IF NOT EXISTS "{table}" AS SELECT * FROM _incoming LIMIT 0')
            if key:
                where = " AND ".join(f'"{k}" = ?' for k in key)
                c.execute(f'DELETE FROM "{table}" WHERE {where}', list(key.values()))
            c.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _incoming')
            c.unregister("_incoming")
            return arrow.num_rows

        if con is not None:
            return run(con)
        with self.writer() as c:
            return run(c)

    def refresh_lake_views(
        self, con: duckdb.DuckDBPyConnection, assets: Sequence[str] | None = None
    ) -> list[str]:
        """(Re)create one view per asset folder in the clean lake; returns the view names."""
        if self.lake_root is None or not self.lake_root.exists():
            return []
        names = []
        for d in sorted(p for p in self.lake_root.iterdir() if p.is_dir()):
            if assets is not None and d.name not in assets:
                continue
            files = list(d.rglob("*.parquet"))
            if not files:
                continue
            glob = str(d.resolve() / "**" / "*.parquet")
            con.execute(
                f"CREATE OR REPLACE VIEW \"{d.name}\" AS SELECT * FROM read_parquet('{glob}', "
                "union_by_name = true, hive_partitioning = false)"
            )
            names.append(d.name)
        return names

    # ---------------------------------------------------------------- reading
    def reader(self) -> duckdb.DuckDBPyConnection:
        """A locked-down read-only connection: the published snapshot (or lake views) and nothing else.

        DuckDB's own sandbox does the work: external access off except `readable_roots`
        (`allowed_directories`), no extension install or autoload, and the configuration locked
        so a `SET` cannot undo it.  The published file is opened `read_only`.
        """
        config: dict[str, str | bool | int | float | list[str]] = {
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
        if self.published_path.exists():
            con = duckdb.connect(str(self.published_path), read_only=True, config=config)
        else:
            con = duckdb.connect(":memory:", config=config)
            self.refresh_lake_views(con)
        try:
            roots = [str(r.resolve()).rstrip("/") + "/" for r in self.readable_roots]
            con.execute("SET allowed_directories = ?", [roots])
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
        except BaseException:
            con.close()
            raise
        return con

    def check_read_only(self, con: duckdb.DuckDBPyConnection, sql: str) -> None:
        """Refuse anything but reads, with a message that says what was refused and why."""
        refused = [(k, q) for k, q in _statement_kind(con, sql) if k not in _READ_STATEMENTS]
        if refused:
            kind, text = refused[0]
            raise QueryRefusedError(
                f"refused {kind} statement ({text.strip()[:80]!r}): the analyst connection is "
                "read-only and sees only the published warehouse and the clean lake; "
                "run SELECT / WITH / DESCRIBE / SHOW / SUMMARIZE / EXPLAIN queries"
            )

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run analyst SQL (one or more read statements) on a locked reader; returns the last result."""
        con = self.reader()
        try:
            self.check_read_only(con, sql)
            statements = con.extract_statements(sql)
            for st in statements[:-1]:
                con.execute(st)
            if not statements:
                return pd.DataFrame()
            return con.execute(statements[-1], params or []).df()
        finally:
            con.close()

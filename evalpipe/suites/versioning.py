"""Immutable, content-addressed eval-dataset versions.

Layout: ``<root>/eval_dataset/<version>/{golden,regression,adversarial,distribution}.parquet`` +
``manifest.json``.  The version id is blake2b over the canonical JSON of the build config and of
every row (sorted by example_id), so the same inputs give the same id; the files are written with
a fixed row order, fixed compression and no timestamps, so they are byte-identical too.
A version is written once (temp dir + atomic rename); writing an existing version is a no-op if
it matches and an error otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from evalpipe.sampling.text import canonical_json
from evalpipe.suites.schema import EVAL_COLUMNS, EVAL_SCHEMA, EVAL_SCHEMA_VERSION, PARTITIONS

DATASET_DIR = "eval_dataset"
VERSION_PREFIX = "v"


class VersionConflictError(RuntimeError):
    """A version directory exists but its content differs (tampering or a hash bug)."""


@dataclass(frozen=True)
class WriteResult:
    version: str
    path: Path
    created: bool  # False when the version already existed (no-op)


def canonical_rows(rows: pd.DataFrame | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as plain dicts with exactly the schema columns, sorted by example_id."""
    recs = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    out = []
    for r in recs:
        d = {}
        for c in EVAL_COLUMNS:
            v = r.get(c)
            if hasattr(v, "tolist"):
                v = v.tolist()
            if isinstance(v, float) and v != v:  # NaN -> null
                v = None
            d[c] = v
        d["tags"] = list(d["tags"] or [])
        out.append(d)
    ids = [r["example_id"] for r in out]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise ValueError(f"duplicate example_id(s): {dup}")
    return sorted(out, key=lambda r: r["example_id"])


def dataset_version(rows: pd.DataFrame | list[dict[str, Any]], config: dict[str, Any]) -> str:
    """Content hash over canonical config + rows: the dataset version id."""
    h = hashlib.blake2b(digest_size=10)
    h.update(EVAL_SCHEMA_VERSION.encode())
    h.update(b"\n")
    h.update(canonical_json(config).encode("utf-8"))
    for r in canonical_rows(rows):
        h.update(b"\n")
        h.update(canonical_json(r).encode("utf-8"))
    return VERSION_PREFIX + h.hexdigest()


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=EVAL_SCHEMA).replace_schema_metadata(
        {"evalpipe.schema": EVAL_SCHEMA_VERSION}
    )


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        row_group_size=1 << 20,
        version="2.6",
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_dataset_version(
    root: str | Path,
    rows: pd.DataFrame | list[dict[str, Any]],
    config: dict[str, Any],
    manifest_extra: dict[str, Any] | None = None,
) -> WriteResult:
    """Write rows as a new immutable version (or no-op if the identical version exists)."""
    crow = canonical_rows(rows)
    bad = sorted({r["partition"] for r in crow} - set(PARTITIONS))
    if bad:
        raise ValueError(f"unknown partition(s) {bad}")
    version = dataset_version(crow, config)
    base = Path(root) / DATASET_DIR
    final = base / version
    if final.exists():
        _check_existing(final, version)
        return WriteResult(version, final, created=False)
    base.mkdir(parents=True, exist_ok=True)
    tmp = base / f".tmp-{version}-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        files = {}
        counts = {}
        for part in PARTITIONS:
            prow = [r for r in crow if r["partition"] == part]
            path = tmp / f"{part}.parquet"
            _write_parquet(_table(prow), path)
            files[path.name] = {"rows": len(prow), "sha256": _sha256(path)}
            counts[part] = len(prow)
        manifest = {
            "format": EVAL_SCHEMA_VERSION,
            "version": version,
            "config": config,
            "row_counts": counts,
            "n_examples": len(crow),
            "files": files,
            "columns": EVAL_COLUMNS,
            **(manifest_extra or {}),
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        try:
            os.rename(tmp, final)
        except OSError:
            if final.exists():  # a concurrent writer won the race: same content by construction
                shutil.rmtree(tmp, ignore_errors=True)
                _check_existing(final, version)
                return WriteResult(version, final, created=False)
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return WriteResult(version, final, created=True)


def _check_existing(path: Path, version: str) -> None:
    m = read_manifest(path.parent.parent, version)
    if m.get("version") != version:
        raise VersionConflictError(f"{path}: manifest says {m.get('version')!r}")
    for name, meta in m.get("files", {}).items():
        f = path / name
        if not f.exists() or _sha256(f) != meta["sha256"]:
            raise VersionConflictError(f"{f}: missing or modified since it was written")


def read_manifest(root: str | Path, version: str) -> dict[str, Any]:
    return json.loads((Path(root) / DATASET_DIR / version / "manifest.json").read_text(encoding="utf-8"))


def load_dataset(root: str | Path, version: str, partitions: tuple[str, ...] = PARTITIONS) -> pd.DataFrame:
    d = Path(root) / DATASET_DIR / version
    frames = [pq.read_table(d / f"{p}.parquet").to_pandas() for p in partitions]
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values("example_id").reset_index(drop=True)


def list_versions(root: str | Path) -> list[dict[str, Any]]:
    """Written versions (oldest first by directory mtime), with row counts and window."""
    base = Path(root) / DATASET_DIR
    if not base.exists():
        return []
    out = []
    for d in base.iterdir():
        if d.is_dir() and not d.name.startswith(".") and (d / "manifest.json").exists():
            m = read_manifest(root, d.name)
            out.append(
                {
                    "version": d.name,
                    "row_counts": m.get("row_counts"),
                    "window": m.get("window"),
                    "mtime": d.stat().st_mtime,
                }
            )
    return sorted(out, key=lambda x: (x["mtime"], x["version"]))


def diff_versions(root: str | Path, a: str, b: str) -> dict[str, Any]:
    """Example ids added/removed/changed from version a to b, and partition counts of both."""
    da, db = load_dataset(root, a), load_dataset(root, b)
    ra = {r["example_id"]: canonical_json(r) for r in canonical_rows(da)}
    rb = {r["example_id"]: canonical_json(r) for r in canonical_rows(db)}
    return {
        "a": a,
        "b": b,
        "added": sorted(set(rb) - set(ra)),
        "removed": sorted(set(ra) - set(rb)),
        "changed": sorted(k for k in set(ra) & set(rb) if ra[k] != rb[k]),
        "partition_counts": {
            a: read_manifest(root, a)["row_counts"],
            b: read_manifest(root, b)["row_counts"],
        },
    }


def dataset_card(root: str | Path, version: str, labels_dir: str | Path | None = None) -> dict[str, Any]:
    """Summary for humans and reports: partition counts, strata table, tags, paraphrase groups."""
    m = read_manifest(root, version)
    df = load_dataset(root, version)
    tag_counts: dict[str, int] = {}
    for tags in df["tags"]:
        for t in tags:
            if ":" not in t:
                tag_counts[t] = tag_counts.get(t, 0) + 1
    para = df[df["paraphrase_of"].notna()]
    dist = df[df["partition"] == "distribution"]
    from evalpipe.metrics.labels import golden_review_summary  # review status lives with the labels

    golden_ids = df.loc[(df["partition"] == "golden") & df["paraphrase_of"].isna(), "example_id"].tolist()
    return {
        "version": version,
        "partition_counts": m["row_counts"],
        "n_examples": m["n_examples"],
        "with_reference": int(df["reference"].notna().sum()),
        "with_context": int(df["context"].notna().sum()),
        "paraphrase_groups": int(para["paraphrase_of"].nunique()),
        "paraphrases": len(para),
        "tags": dict(sorted(tag_counts.items())),
        "strata": m.get("strata", []),
        "distribution_weight_sum": float(dist["weight"].sum()),
        "window": m.get("window"),
        "salt": m.get("salt"),
        "scrubber_versions": m.get("scrubber_versions"),
        "code_version": m.get("code_version"),
        # golden items with two agreeing human reviews of their reference (`evalpipe labels`)
        "golden_review": golden_review_summary(golden_ids, labels_dir),
    }

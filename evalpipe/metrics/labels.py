"""The human review loop: pick a review batch, read annotations back, keep versioned label files.

Calibration is only as good as the human labels it rests on, so labels are collected, not typed:

- `select_review_batch` picks what people should look at: the items where the judge is least
  certain (largest sd of its score distribution), where its two pairwise orders disagree, where
  the metrics and the judge disagree on pass/fail, plus a stratified random share (so the batch
  does not only contain hard cases and calibration stays representative). Golden items can be
  added for a review of their reference (two agreeing reviewers make a golden item reviewed).
- `write_review_batch` writes it as JSONL (one item a line) and as a Label Studio import file
  (tasks + the labelling config).
- `import_annotations` reads annotations back (our JSONL, or a Label Studio JSON export; several
  annotators per item), validates them against the known items (an unknown item is rejected with
  a clear error, nothing is written), and writes the next immutable version file
  `data/human_labels/versions/vNNNN.jsonl` with annotator ids and timestamps.
- `load_label_set` merges the shipped `labels.jsonl` (annotator `shipped`) and every version: per
  (item, annotator) the latest annotation stands and the earlier one is kept as superseded; an
  item's human score is the median over its annotators. The next `judge_calibration` uses it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalpipe.sampling.text import blake2b_hex

SHIPPED_ANNOTATOR = "shipped"
VERSION_DIR = "versions"
BATCH_KINDS = ("least_certain", "order_disagreement", "metric_disagreement", "random", "golden_reference")
DEFAULT_SHARES = {
    "least_certain": 0.3,
    "order_disagreement": 0.15,
    "metric_disagreement": 0.25,
    "random": 0.3,
}
ITEM_FIELDS = ("item_id", "kind", "partition", "system", "example_id", "question", "answer", "reference")


class LabelImportError(ValueError):
    """Annotations that cannot be imported; the message lists every problem (nothing was written)."""


def default_labels_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "human_labels"


def review_item_id(question: str, answer: str) -> str:
    """Content id: the same (question, answer) from two systems is one item to review."""
    return "rv-" + blake2b_hex(json.dumps([question, answer], ensure_ascii=False), digest_size=6)


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


# ---------------------------------------------------------------------------------------------
# Label set
# ---------------------------------------------------------------------------------------------


@dataclass
class LabelSet:
    items: (
        pd.DataFrame
    )  # id, kind, partition, question, answer, reference, human_score, human_pass, n_annotators
    annotations: pd.DataFrame  # current: item_id, annotator, score, timestamp, version, note
    superseded: pd.DataFrame = field(default_factory=pd.DataFrame)  # earlier labels by the same annotator
    versions: list[str] = field(default_factory=list)

    def calibration_items(self) -> pd.DataFrame:
        """Items a judge is calibrated on (golden reference reviews are excluded: the answer there
        is the reference itself)."""
        return self.items[self.items["kind"] != "golden_reference"].reset_index(drop=True)


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def version_files(labels_dir: str | Path) -> list[Path]:
    return sorted((Path(labels_dir) / VERSION_DIR).glob("v[0-9][0-9][0-9][0-9].jsonl"))


def load_label_set(labels_dir: str | Path | None = None) -> LabelSet:
    """Shipped labels + every imported version, reduced to the current label per (item, annotator)."""
    labels_dir = Path(labels_dir or default_labels_dir())
    items: dict[str, dict] = {}
    records: list[dict] = []
    shipped = labels_dir / "labels.jsonl"
    if shipped.is_file():
        for r in _read_jsonl(shipped):
            items[r["id"]] = {
                "id": r["id"],
                "kind": "shipped",
                "partition": r.get("partition"),
                "system": None,
                "example_id": None,
                "question": r["question"],
                "answer": r["answer"],
                "reference": r.get("reference"),
            }
            records.append(
                {
                    "item_id": r["id"],
                    "annotator": SHIPPED_ANNOTATOR,
                    "score": int(r["human_score"]),
                    "timestamp": "",
                    "version": "shipped",
                    "note": r.get("note"),
                    "seq": len(records),
                }
            )
    versions = []
    for path in version_files(labels_dir):
        versions.append(path.stem)
        for r in _read_jsonl(path):
            items.setdefault(r["item_id"], {"id": r["item_id"], **{k: r.get(k) for k in ITEM_FIELDS[1:]}})
            records.append(
                {
                    "item_id": r["item_id"],
                    "annotator": str(r["annotator"]),
                    "score": int(r["score"]),
                    "timestamp": str(r.get("timestamp") or ""),
                    "version": path.stem,
                    "note": r.get("note"),
                    "seq": len(records),
                }
            )
    cols = ["item_id", "annotator", "score", "timestamp", "version", "note", "seq"]
    ann = pd.DataFrame(records, columns=cols)
    # Latest per (item, annotator): by timestamp, then by file order (a later import wins a tie).
    ann = ann.sort_values(["item_id", "annotator", "timestamp", "seq"], kind="stable")
    last = ~ann.duplicated(["item_id", "annotator"], keep="last")
    current, superseded = ann[last].drop(columns="seq"), ann[~last].drop(columns="seq")
    item_df = pd.DataFrame(list(items.values()), columns=["id", *ITEM_FIELDS[1:]])
    med = current.groupby("item_id")["score"].median()
    n_ann = current.groupby("item_id")["annotator"].nunique()
    item_df["human_score"] = item_df["id"].map(lambda i: int(math.floor(med[i] + 0.5)) if i in med else None)
    item_df["n_annotators"] = item_df["id"].map(n_ann).fillna(0).astype(int)
    item_df = item_df[item_df["human_score"].notna()].reset_index(drop=True)
    item_df["human_score"] = item_df["human_score"].astype(int)
    item_df["human_pass"] = item_df["human_score"] >= 4
    return LabelSet(item_df, current.reset_index(drop=True), superseded.reset_index(drop=True), versions)


def golden_review_status(label_set: LabelSet, pass_score: int = 4) -> dict[str, dict]:
    """Per golden example id: its reviewers, their scores, and whether they agree (same pass
    verdict). `reviewed` = at least two reviewers who agree."""
    gold = label_set.items[label_set.items["kind"] == "golden_reference"]
    out: dict[str, dict] = {}
    for item_id, ex_id in zip(gold["id"], gold["example_id"], strict=True):
        a = label_set.annotations[label_set.annotations["item_id"] == item_id]
        scores = dict(zip(a["annotator"], a["score"].astype(int), strict=True))
        verdicts = {s >= pass_score for s in scores.values()}
        agree = len(scores) >= 2 and len(verdicts) == 1
        out[str(ex_id)] = {
            "reviewers": sorted(scores),
            "scores": scores,
            "agreement": agree,
            "reviewed": agree,
            "reference_ok": agree and verdicts == {True},
        }
    return out


def golden_review_summary(golden_ids: Sequence[str], labels_dir: str | Path | None = None) -> dict:
    """What the dataset card shows: how many golden items have two agreeing reviews."""
    status = golden_review_status(load_label_set(labels_dir))
    ids = [str(i) for i in golden_ids]
    return {
        "n_golden": len(ids),
        "with_any_review": sum(1 for i in ids if i in status and status[i]["reviewers"]),
        "with_two_agreeing_reviews": sum(1 for i in ids if status.get(i, {}).get("reviewed")),
        "reference_confirmed": sum(1 for i in ids if status.get(i, {}).get("reference_ok")),
    }


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def select_review_batch(
    candidates: pd.DataFrame,
    n: int = 60,
    *,
    shares: dict[str, float] | None = None,
    pass_score: float = 4.0,
    exclude_ids: Sequence[str] = (),
    seed: int = 0,
) -> pd.DataFrame:
    """Pick up to `n` items to review, each tagged with why (`kind`).

    candidates: question, answer, partition (+ system, example_id, reference), judge_score,
    judge_sd, metric_pass (bool), order_consistent (bool/None, from pairwise judging). Quotas by
    `shares`; a bucket with too few candidates leaves its quota to the random share, which is
    drawn stratified by partition (proportional, at least one per partition where possible).
    Deterministic for a seed.
    """
    shares = {**DEFAULT_SHARES, **(shares or {})}
    df = candidates.copy()
    for col, default in (
        ("reference", None),
        ("system", None),
        ("example_id", None),
        ("judge_sd", np.nan),
        ("metric_pass", None),
        ("order_consistent", None),
        ("judge_score", np.nan),
    ):
        if col not in df.columns:
            df[col] = default
    df["item_id"] = [review_item_id(q, a) for q, a in zip(df["question"], df["answer"], strict=True)]
    df = df[~df["item_id"].isin(set(exclude_ids))].drop_duplicates("item_id").reset_index(drop=True)
    taken: list[tuple[int, str]] = []
    used: set[int] = set()

    def take(idx: Sequence[int], kind: str, k: int) -> None:
        for i in idx:
            if k <= 0:
                break
            if i not in used:
                used.add(i)
                taken.append((i, kind))
                k -= 1

    quota = {k: int(math.floor(n * v)) for k, v in shares.items()}
    sd = pd.to_numeric(df["judge_sd"], errors="coerce")
    take(
        sd[sd.notna()].sort_values(ascending=False, kind="stable").index.tolist(),
        "least_certain",
        quota["least_certain"],
    )
    oc = df["order_consistent"]
    take(
        df.index[oc.map(lambda v: v is False or v is np.False_)].tolist(),
        "order_disagreement",
        quota["order_disagreement"],
    )
    js = pd.to_numeric(df["judge_score"], errors="coerce")
    mp = df["metric_pass"]
    dis = js.notna() & mp.notna() & ((js >= pass_score) != mp.astype("boolean").fillna(False))
    # most confident disagreements first: a judge sure of the opposite verdict is the telling case
    order = (js[dis] - pass_score).abs().sort_values(ascending=False, kind="stable").index.tolist()
    take(order, "metric_disagreement", quota["metric_disagreement"])
    rest = [i for i in df.index if i not in used]
    k = max(0, n - len(taken))
    if rest and k:
        rng = np.random.default_rng(seed)
        parts = df.loc[rest, "partition"].fillna("?")
        groups = {p: list(g) for p, g in parts.groupby(parts, sort=True).groups.items()}
        alloc = {p: max(1, round(k * len(g) / len(rest))) for p, g in groups.items()}
        while sum(alloc.values()) > k:
            alloc[max(alloc, key=lambda p: alloc[p])] -= 1
        for p, g in groups.items():
            pick = rng.permutation(len(g))[: alloc[p]]
            take([g[i] for i in sorted(pick)], "random", alloc[p])
        take(rng.permutation(rest).tolist(), "random", n - len(taken))
    out = df.loc[[i for i, _ in taken]].copy()
    out["kind"] = [kind for _, kind in taken]
    keep = [*ITEM_FIELDS, "judge_score", "judge_sd", "metric_pass", "order_consistent"]
    return out[keep].reset_index(drop=True)


def golden_batch(golden: pd.DataFrame, already: dict[str, dict], n: int) -> pd.DataFrame:
    """Golden items (example_id, question, reference) lacking two agreeing reviews, for a review
    of their reference (the reference is shown as the answer to grade)."""
    todo = golden[~golden["example_id"].astype(str).map(lambda e: already.get(e, {}).get("reviewed", False))]
    todo = todo.head(n)
    return pd.DataFrame(
        {
            "item_id": ["golden:" + str(e) for e in todo["example_id"]],
            "kind": "golden_reference",
            "partition": "golden",
            "system": None,
            "example_id": todo["example_id"].astype(str).tolist(),
            "question": todo["question"].tolist(),
            "answer": todo["reference"].tolist(),
            "reference": todo["reference"].tolist(),
        }
    )


LABEL_STUDIO_CONFIG = """<View>
  <Header value="Question"/>
  <Text name="question" value="$question"/>
  <Header value="Reference answer (may be empty)"/>
  <Text name="reference" value="$reference"/>
  <Header value="Answer to grade"/>
  <Text name="answer" value="$answer"/>
  <Header value="$rubric"/>
  <Choices name="score" toName="answer" choice="single" required="true" showInLine="true">
    <Choice value="1"/><Choice value="2"/><Choice value="3"/><Choice value="4"/><Choice value="5"/>
  </Choices>
  <TextArea name="note" toName="answer" placeholder="why (optional)"/>
</View>
"""


def write_review_batch(
    batch: pd.DataFrame, out_dir: str | Path, batch_id: str | None = None
) -> dict[str, Path]:
    """Write `batch.jsonl`, `label_studio_tasks.json` and `label_studio_config.xml`."""
    from evalpipe.metrics.judge import HELPDESK_RUBRIC

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    batch_id = batch_id or blake2b_hex(",".join(batch["item_id"]), digest_size=6)
    rows = []
    for r in batch.to_dict("records"):
        rows.append(
            {k: (None if _missing(v) else (bool(v) if isinstance(v, np.bool_) else v)) for k, v in r.items()}
            | {"batch_id": batch_id}
        )
    jsonl = out_dir / "batch.jsonl"
    jsonl.write_text(
        "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows), encoding="utf-8"
    )
    rubric = HELPDESK_RUBRIC.render().replace("\n", " | ")
    tasks = [
        {
            "data": {
                "item_id": r["item_id"],
                "question": r["question"],
                "answer": r["answer"],
                "reference": r.get("reference") or "",
                "rubric": rubric,
                "kind": r["kind"],
                "batch_id": batch_id,
            }
        }
        for r in rows
    ]
    ls = out_dir / "label_studio_tasks.json"
    ls.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    cfg = out_dir / "label_studio_config.xml"
    cfg.write_text(LABEL_STUDIO_CONFIG, encoding="utf-8")
    return {"jsonl": jsonl, "label_studio": ls, "label_studio_config": cfg}


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


def _annotator_of(completed_by: object) -> str:
    if isinstance(completed_by, dict):
        return str(completed_by.get("email") or completed_by.get("id") or "")
    return "" if completed_by is None else f"ls-user-{completed_by}"


def _norm_ts(ts: object, now: dt.datetime) -> str | None:
    """ISO-8601 in UTC (naive = UTC; missing = the import time), so timestamps compare as strings."""
    if ts is None or str(ts).strip() == "":
        return now.astimezone(dt.UTC).isoformat()
    try:
        t = dt.datetime.fromisoformat(str(ts).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()


def parse_annotations(path: str | Path) -> list[dict]:
    """Annotation records {item_id, annotator, score, timestamp, note} from our JSONL (one record
    a line) or a Label Studio JSON export (tasks with `annotations`)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        out = []
        for t, task in enumerate(json.loads(text)):
            data = task.get("data", {})
            for a in task.get("annotations", []) or []:
                if a.get("was_cancelled"):
                    continue
                score, note = None, None
                for res in a.get("result", []) or []:
                    v = res.get("value", {})
                    if res.get("from_name") == "score":
                        score = (v.get("choices") or [v.get("rating")])[0]
                    elif res.get("from_name") == "note":
                        note = " ".join(v.get("text") or []) or None
                out.append(
                    {
                        "item_id": data.get("item_id"),
                        "annotator": _annotator_of(a.get("completed_by")),
                        "score": score,
                        "timestamp": a.get("updated_at") or a.get("created_at"),
                        "note": note,
                        "where": f"task {t}",
                    }
                )
        return out
    return [
        {**json.loads(line), "where": f"line {i + 1}"}
        for i, line in enumerate(text.splitlines())
        if line.strip()
    ]


@dataclass
class ImportResult:
    version: str | None
    path: Path | None
    n_read: int
    n_imported: int
    n_rejected: int
    superseded: list[dict]  # same annotator, same item: the earlier label, now replaced
    errors: list[str]


def import_annotations(
    source: str | Path,
    batch: str | Path | pd.DataFrame | None = None,
    labels_dir: str | Path | None = None,
    *,
    allow_partial: bool = False,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Validate annotations against the known items and write the next label version.

    Known items: the review batch (its JSONL or frame) and everything already in the label set.
    Every record needs a known item, an annotator id and an integer score 1..5. With problems
    and not `allow_partial`, LabelImportError lists them all and nothing is written; with
    `allow_partial`, the valid records are imported and read = imported + rejected.
    """
    labels_dir = Path(labels_dir or default_labels_dir())
    now = now or dt.datetime.now(dt.UTC)
    records = parse_annotations(source)
    current = load_label_set(labels_dir)
    known: dict[str, dict] = {
        r["id"]: {"item_id": r["id"], **{k: r.get(k) for k in ITEM_FIELDS[1:]}}
        for r in current.items.to_dict("records")
    }
    if batch is not None:
        bdf = batch if isinstance(batch, pd.DataFrame) else pd.DataFrame(_read_jsonl(Path(batch)))
        for r in bdf.to_dict("records"):
            known[str(r["item_id"])] = {k: (None if _missing(r.get(k)) else r.get(k)) for k in ITEM_FIELDS}
    good, errors = [], []
    for r in records:
        where, item, ann = r.get("where", "?"), r.get("item_id"), str(r.get("annotator") or "").strip()
        score = r.get("score")
        try:
            score_i = (
                int(str(score).strip())
                if score is not None and float(str(score)) == int(float(str(score)))
                else None
            )
        except ValueError:
            score_i = None
        if item not in known:
            errors.append(
                f"{where}: unknown item {item!r} (annotator {ann or '?'}): not in the review batch "
                "or the label set; was it exported in this batch?"
            )
        elif not ann:
            errors.append(f"{where}: item {item!r} has no annotator id")
        elif score_i is None or not 1 <= score_i <= 5:
            errors.append(f"{where}: item {item!r} by {ann}: score must be an integer 1-5, got {score!r}")
        elif (ts := _norm_ts(r.get("timestamp"), now)) is None:
            errors.append(f"{where}: item {item!r} by {ann}: unreadable timestamp {r.get('timestamp')!r}")
        else:
            good.append(
                {
                    **known[item],
                    "annotator": ann,
                    "score": score_i,
                    "pass": score_i >= 4,
                    "timestamp": str(ts),
                    "note": r.get("note"),
                    "imported_at": now.isoformat(),
                }
            )
    if errors and not allow_partial:
        raise LabelImportError(
            f"{len(errors)} of {len(records)} annotations rejected, nothing imported:\n- "
            + "\n- ".join(errors)
        )
    # Same annotator labelling an item twice: the later one stands, the earlier is recorded.
    superseded: list[dict] = []
    latest: dict[tuple[str, str], dict] = {
        (a.item_id, a.annotator): {"score": int(a.score), "timestamp": a.timestamp, "version": a.version}
        for a in current.annotations.itertuples(index=False)
    }
    for rec in good:
        key = (rec["item_id"], rec["annotator"])
        old = latest.get(key)
        if old is None:
            latest[key] = rec
            continue
        later, earlier = (rec, old) if rec["timestamp"] >= old["timestamp"] else (old, rec)
        earlier["superseded"] = True
        superseded.append(
            {
                "item_id": key[0],
                "annotator": key[1],
                "score": int(earlier["score"]),
                "timestamp": earlier["timestamp"],
                "replaced_by_score": int(later["score"]),
                "replaced_by_timestamp": later["timestamp"],
            }
        )
        latest[key] = later
    if not good:
        return ImportResult(None, None, len(records), 0, len(errors), superseded, errors)
    vdir = labels_dir / VERSION_DIR
    vdir.mkdir(parents=True, exist_ok=True)
    existing = version_files(labels_dir)
    number = int(existing[-1].stem[1:]) + 1 if existing else 2  # v0001 = the shipped labels.jsonl
    version = f"v{number:04d}"
    path = vdir / f"{version}.jsonl"
    lines = [
        json.dumps(
            {**rec, "version": version, "superseded": bool(rec.get("superseded"))},
            ensure_ascii=False,
            default=str,
        )
        for rec in good
    ]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.rename(path)
    return ImportResult(version, path, len(records), len(good), len(errors), superseded, errors)

"""The human review loop: batch selection, export files, import (JSONL and Label Studio), label set."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pandas as pd
import pytest

from evalpipe.metrics.calibration import calibrate, default_labels_path
from evalpipe.metrics.labels import (
    LabelImportError,
    golden_batch,
    golden_review_status,
    golden_review_summary,
    import_annotations,
    load_label_set,
    review_item_id,
    select_review_batch,
    version_files,
    write_review_batch,
)

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def candidates(n: int = 40) -> pd.DataFrame:
    rows = []
    for i in range(n):
        part = ["golden", "distribution", "adversarial", "regression"][i % 4]
        rows.append(
            {
                "system": "cand" if i % 2 else "base",
                "example_id": f"ex{i}",
                "partition": part,
                "question": f"question {i}?",
                "answer": f"answer {i}.",
                "reference": f"ref {i}" if part != "distribution" else None,
                "judge_score": 1 + (i % 5),
                "judge_sd": i / 40 if i < 30 else None,
                "metric_pass": i % 3 == 0,
                "order_consistent": False if i in (5, 7) else (True if i < 20 else None),
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture
def labels_dir(tmp_path):
    d = tmp_path / "human_labels"
    d.mkdir()
    shutil.copy(default_labels_path(), d / "labels.jsonl")
    return d


def test_batch_buckets_quotas_and_determinism():
    c = candidates()
    b = select_review_batch(c, n=20, seed=3)
    assert len(b) == 20 and b["item_id"].is_unique
    kinds = b["kind"].value_counts().to_dict()
    assert kinds["least_certain"] == 6 and kinds["order_disagreement"] == 2  # only 2 contradict
    lc = b[b["kind"] == "least_certain"]
    assert lc["judge_sd"].tolist() == sorted(lc["judge_sd"], reverse=True) and lc["judge_sd"].min() >= 0.6
    assert set(b.loc[b["kind"] == "order_disagreement", "example_id"]) == {"ex5", "ex7"}
    md = b[b["kind"] == "metric_disagreement"]
    assert len(md) == 5 and ((md["judge_score"] >= 4) != md["metric_pass"]).all()
    rnd = b[b["kind"] == "random"]
    assert len(rnd) == 20 - 6 - 2 - 5 and rnd["partition"].nunique() >= 3  # stratified
    assert b.equals(select_review_batch(c, n=20, seed=3))
    assert not b.equals(select_review_batch(c, n=20, seed=4))
    again = select_review_batch(c, n=20, exclude_ids=b["item_id"].tolist())  # already labelled: skipped
    assert not set(again["item_id"]) & set(b["item_id"])
    assert b["item_id"].iloc[0] == review_item_id(b["question"].iloc[0], b["answer"].iloc[0])


def test_export_writes_jsonl_and_label_studio_files(tmp_path):
    b = select_review_batch(candidates(), n=8)
    paths = write_review_batch(b, tmp_path / "batch")
    rows = [json.loads(x) for x in paths["jsonl"].read_text().splitlines()]
    assert [r["item_id"] for r in rows] == b["item_id"].tolist() and all(r["batch_id"] for r in rows)
    tasks = json.loads(paths["label_studio"].read_text())
    assert len(tasks) == 8 and {"item_id", "question", "answer", "reference", "rubric"} <= set(
        tasks[0]["data"]
    )
    cfg = paths["label_studio_config"].read_text()
    assert '<Choices name="score" toName="answer"' in cfg and "$answer" in cfg


def annotations_file(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_round_trip_two_annotators_relabel_and_calibration(tmp_path, labels_dir):
    b = select_review_batch(candidates(), n=10)
    paths = write_review_batch(b, tmp_path / "batch")
    ids = b["item_id"].tolist()
    recs = [
        {"item_id": i, "annotator": "ann-1", "score": 4, "timestamp": "2026-12-01T10:00:00Z"} for i in ids
    ]
    recs += [
        {"item_id": i, "annotator": "ann-2", "score": 2, "timestamp": "2026-12-01T11:00:00Z"} for i in ids[:6]
    ]
    # ann-1 relabels the first item later (in the same file, earlier line = later timestamp)
    recs.insert(
        0, {"item_id": ids[0], "annotator": "ann-1", "score": 1, "timestamp": "2026-12-02T08:00:00+00:00"}
    )
    res = import_annotations(
        annotations_file(tmp_path / "ann.jsonl", recs), paths["jsonl"], labels_dir, now=NOW
    )
    assert (res.version, res.n_read, res.n_imported, res.n_rejected) == ("v0002", 17, 17, 0)
    assert res.superseded == [
        {
            "item_id": ids[0],
            "annotator": "ann-1",
            "score": 4,
            "timestamp": "2026-12-01T10:00:00+00:00",
            "replaced_by_score": 1,
            "replaced_by_timestamp": "2026-12-02T08:00:00+00:00",
        }
    ]
    stored = [json.loads(x) for x in res.path.read_text().splitlines()]
    assert sum(r["superseded"] for r in stored) == 1 and all(r["question"] for r in stored)
    assert {r["annotator"] for r in stored} == {"ann-1", "ann-2"}

    ls = load_label_set(labels_dir)
    assert ls.versions == ["v0002"] and len(ls.items) == 109 + 10
    new = ls.items.set_index("id").loc[ids]
    assert new.loc[ids[0], "human_score"] == 2  # median of ann-1's later 1 and ann-2's 2 -> 1.5 -> 2
    assert new.loc[ids[1], "human_score"] == 3 and new.loc[ids[1], "n_annotators"] == 2  # median(4, 2)
    assert new.loc[ids[7], "human_score"] == 4 and new.loc[ids[7], "n_annotators"] == 1
    assert len(ls.superseded) == 1 and ls.superseded.iloc[0]["score"] == 4

    # A later import by ann-2 relabels again: across versions the later stands too.
    res2 = import_annotations(
        annotations_file(tmp_path / "ann2.jsonl", [{"item_id": ids[1], "annotator": "ann-2", "score": 4}]),
        None,
        labels_dir,
        now=NOW,
    )
    assert res2.version == "v0003" and res2.superseded[0]["score"] == 2
    ls = load_label_set(labels_dir)
    assert ls.items.set_index("id").loc[ids[1], "human_score"] == 4

    # The next calibration uses them: per annotator figures and alpha between annotators.
    items = ls.calibration_items()
    r = calibrate(
        items["human_score"].tolist(),
        items["human_score"].tolist(),
        items["human_pass"].tolist(),
        item_ids=items["id"].tolist(),
        annotations=ls.annotations,
    )
    assert set(r.per_annotator) == {"shipped", "ann-1", "ann-2"}
    assert r.per_annotator["ann-2"]["n"] == 6 and r.n_multi_annotated == 6
    assert r.annotators_alpha < 0.5  # ann-1 and ann-2 disagree by ~2 points


def test_unknown_item_rejected_with_clear_error_and_nothing_written(tmp_path, labels_dir):
    b = select_review_batch(candidates(), n=4)
    paths = write_review_batch(b, tmp_path / "batch")
    recs = [
        {"item_id": b["item_id"][0], "annotator": "ann-1", "score": 5},
        {"item_id": "rv-doesnotexist", "annotator": "ann-1", "score": 3},
        {"item_id": b["item_id"][1], "annotator": "", "score": 3},
        {"item_id": b["item_id"][2], "annotator": "ann-1", "score": 7},
    ]
    src = annotations_file(tmp_path / "ann.jsonl", recs)
    with pytest.raises(LabelImportError) as e:
        import_annotations(src, paths["jsonl"], labels_dir, now=NOW)
    msg = str(e.value)
    assert "3 of 4 annotations rejected, nothing imported" in msg
    assert "line 2: unknown item 'rv-doesnotexist'" in msg and "no annotator id" in msg and "got 7" in msg
    assert version_files(labels_dir) == []
    part = import_annotations(src, paths["jsonl"], labels_dir, allow_partial=True, now=NOW)
    assert (part.n_read, part.n_imported, part.n_rejected) == (4, 1, 3)  # counts reconcile
    # a shipped item is known without any batch
    ok = import_annotations(
        annotations_file(tmp_path / "s.jsonl", [{"item_id": "hl-000-0", "annotator": "ann-9", "score": 5}]),
        None,
        labels_dir,
        now=NOW,
    )
    assert ok.n_imported == 1


def test_label_studio_export_is_read(tmp_path, labels_dir):
    b = select_review_batch(candidates(), n=3)
    paths = write_review_batch(b, tmp_path / "batch")
    tasks = json.loads(paths["label_studio"].read_text())
    for k, t in enumerate(tasks):
        t["id"] = k
        t["annotations"] = [
            {
                "completed_by": {"email": "ann@x.org"},
                "result": [
                    {
                        "from_name": "score",
                        "to_name": "answer",
                        "type": "choices",
                        "value": {"choices": [str(k + 2)]},
                    },
                    {
                        "from_name": "note",
                        "to_name": "answer",
                        "type": "textarea",
                        "value": {"text": ["fine"]},
                    },
                ],
                "created_at": "2026-12-01T10:00:00.000000Z",
                "updated_at": "2026-12-01T10:05:00.000000Z",
            },
            {"completed_by": 7, "result": [], "was_cancelled": True},
        ]
    (tmp_path / "export.json").write_text(json.dumps(tasks))
    res = import_annotations(tmp_path / "export.json", paths["jsonl"], labels_dir, now=NOW)
    assert res.n_imported == 3
    ls = load_label_set(labels_dir)
    got = ls.annotations[ls.annotations["annotator"] == "ann@x.org"].sort_values("score")
    assert got["score"].tolist() == [2, 3, 4] and got["note"].tolist() == ["fine"] * 3
    assert got["timestamp"].iloc[0] == "2026-12-01T10:05:00+00:00"


def test_golden_review_status_and_summary(tmp_path, labels_dir):
    golden = pd.DataFrame(
        {"example_id": ["g1", "g2", "g3"], "question": ["q1", "q2", "q3"], "reference": ["r1", "r2", "r3"]}
    )
    gb = golden_batch(golden, {}, n=3)
    assert (
        gb["item_id"].tolist() == ["golden:g1", "golden:g2", "golden:g3"]
        and (gb["answer"] == gb["reference"]).all()
    )
    paths = write_review_batch(gb, tmp_path / "gb")
    recs = [
        {"item_id": "golden:g1", "annotator": "a", "score": 5},
        {"item_id": "golden:g1", "annotator": "b", "score": 4},  # two agreeing reviews
        {"item_id": "golden:g2", "annotator": "a", "score": 5},
        {"item_id": "golden:g2", "annotator": "b", "score": 2},  # disagree
        {"item_id": "golden:g3", "annotator": "a", "score": 5},  # one review
    ]
    import_annotations(annotations_file(tmp_path / "g.jsonl", recs), paths["jsonl"], labels_dir, now=NOW)
    ls = load_label_set(labels_dir)
    st = golden_review_status(ls)
    assert st["g1"] == {
        "reviewers": ["a", "b"],
        "scores": {"a": 5, "b": 4},
        "agreement": True,
        "reviewed": True,
        "reference_ok": True,
    }
    assert not st["g2"]["agreement"] and st["g3"]["reviewers"] == ["a"] and not st["g3"]["reviewed"]
    assert golden_review_summary(["g1", "g2", "g3", "g4"], labels_dir) == {
        "n_golden": 4,
        "with_any_review": 3,
        "with_two_agreeing_reviews": 1,
        "reference_confirmed": 1,
    }
    assert "golden:g1" not in set(ls.calibration_items()["id"])  # reference reviews don't calibrate
    assert golden_batch(golden, st, n=3)["example_id"].tolist() == ["g2", "g3"]  # g1 is done

"""DatasetRef: the pointer eval_dataset hands to its consumers."""

from __future__ import annotations

import dataclasses
import pickle

import pandas as pd
import pytest

from evalpipe.sampling.features import log_features
from evalpipe.sampling.synthetic import synthetic_scrubbed_logs
from evalpipe.suites import DatasetRef, load_dataset, materialize_eval_dataset

SCFG = {"rate": 0.2, "min_per_stratum": 1, "small_stratum_policy": "take_all", "strata": ["intent"]}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    logs = synthetic_scrubbed_logs(120, seed=3)
    root = tmp_path_factory.mktemp("lake")
    result, _ = materialize_eval_dataset(
        root, features_df=log_features(logs), scrubbed_df=logs, sampling_config=SCFG
    )
    return root, result


def test_written_ref_points_at_the_version_and_loads_its_frame(written):
    root, result = written
    ref = DatasetRef.written(root, result, ["2026-11-16", "2026-11-17"])
    assert (ref.version, ref.root, ref.path) == (result.version, str(root), str(result.path))
    assert ref.window == ("2026-11-16", "2026-11-17")
    frame = ref.load()
    pd.testing.assert_frame_equal(frame, load_dataset(root, result.version))
    assert len(frame) and frame["example_id"].is_monotonic_increasing
    golden = ref.load(("golden",))
    assert set(golden["partition"]) == {"golden"} and len(golden) < len(frame)


def test_ref_by_id_matches_the_written_ref_except_the_window(written):
    root, result = written
    assert DatasetRef.at(root, result.version) == DatasetRef.written(root, result, [])


def test_ref_is_frozen_and_survives_the_pointer_io_manager(written):
    """The pointer IO manager pickles outputs; the ref must come back equal and stay immutable."""
    root, result = written
    ref = DatasetRef.written(root, result, ["2026-11-16"])
    assert pickle.loads(pickle.dumps(ref)) == ref
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.version = "other"  # type: ignore[misc]


def test_ref_to_a_missing_version_fails_on_load(tmp_path):
    with pytest.raises(FileNotFoundError):
        DatasetRef.at(tmp_path, "v_missing").load()

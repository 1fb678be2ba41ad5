"""run_comparison: the comparison_report path without Dagster (baseline, version filter, judge policy, files)."""

from __future__ import annotations

import pytest

from evalpipe.errors import EvalpipeError
from evalpipe.inference import load_systems
from evalpipe.reports.comparison import judge_exclusions, run_comparison
from evalpipe_tests.defs.test_reports_defs import VERSION, _dataset, _metrics


def _run(tmp_path, metrics, **kw):
    return run_comparison(
        metrics,
        _dataset(),
        version=VERSION,
        systems=load_systems("data/systems.yaml"),
        report_config="data/report.yaml",
        judge_calibration=kw.pop("judge_calibration", {"calibrated": False, "reason": "test"}),
        reports_dir=tmp_path,
        **kw,
    )


def test_report_files_and_only_the_current_version(tmp_path):
    old = _metrics("stale").assign(dataset_version="older")
    run = _run(
        tmp_path, {"baseline": _metrics("baseline"), "candidate": _metrics("candidate", seed=1), "stale": old}
    )
    assert [p.suffix for p in run.files] == [".html", ".md"] and all(p.exists() for p in run.files)
    assert set(run.report.comparison["candidate"]) == {"candidate"}  # the stale system is not compared
    assert run.judge_note.endswith("excluded from the gate")


def test_without_a_candidate_it_fails_with_a_reason(tmp_path):
    with pytest.raises(EvalpipeError, match="need the baseline 'baseline' and at least one candidate"):
        _run(tmp_path, {"baseline": _metrics("baseline")})


def test_judge_metrics_excluded_only_while_uncalibrated():
    excluded, mode = judge_exclusions(
        {"calibrated": False, "reason": "kappa low", "mode": "logprob"}, ["judge_score"]
    )
    assert (
        excluded == {"judge_score": "judge uncalibrated (logprob mode: kappa low)"}
        and mode == "logprob mode: "
    )
    assert judge_exclusions({"calibrated": True}, ["judge_score"])[0] == {}

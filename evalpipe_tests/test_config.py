"""Typed configuration: every YAML file in data/ rejects a wrong key with a message naming the
file, the key and what is allowed; the shipped files validate; settings read the environment
only when asked."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import yaml

from evalpipe.config import LogFormat, MetricsFile, load_config
from evalpipe.errors import ConfigError
from evalpipe.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def _load_sources(p):
    from evalpipe.logs.ingest import SourceConfig

    return SourceConfig.load(p)


def _load_pii(p):
    from evalpipe.pii.config import load_scrubber_config

    return load_scrubber_config(p)


def _load_sampling(p):
    from evalpipe.sampling.config import SamplingConfig

    return SamplingConfig.from_yaml(p)


def _load_systems(p):
    from evalpipe.inference import load_systems

    return load_systems(p)


def _load_report(p):
    from evalpipe.reports.assemble import load_report_config

    return load_report_config(p, baseline="baseline")


def _load_metrics(p):
    from evalpipe.metrics import load_metrics_config

    return load_metrics_config(p)


def _load_production_scores(p):
    from evalpipe.production.scoring import ProductionScoringConfig

    return ProductionScoringConfig.load(p)


def _load_metric_validity(p):
    from evalpipe.production.validity import MetricValidityConfig

    return MetricValidityConfig.load(p)


def _load_experiments(p):
    from evalpipe.production.experiment import load_experiments

    return load_experiments(p)


# file -> (domain loader, path of the mapping to put the wrong key in, allowed key it lists)
CASES = {
    "log_sources.yaml": (_load_sources, ["generic"], "user_message"),
    "pii.yaml": (_load_pii, [], "allow_terms"),
    "sampling.yaml": (_load_sampling, ["dedup"], "threshold"),
    "systems.yaml": (_load_systems, ["systems", "baseline", "decoding"], "max_new_tokens"),
    "report.yaml": (_load_report, ["metrics", "overall_pass"], "tolerance"),
    "metrics.yaml": (_load_metrics, ["judge"], "kappa_floor"),
    "production_scores.yaml": (_load_production_scores, ["constraints"], "json_request_pattern"),
    "metric_validity.yaml": (_load_metric_validity, [], "escalation_window_s"),
    "experiments.yaml": (_load_experiments, ["experiments", 0, "metrics", "faithfulness"], "expected_effect"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_shipped_file_loads(name):
    loader, _, _ = CASES[name]
    loader(DATA / name)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("where", ["top", "nested"])
def test_wrong_key_names_file_key_and_allowed_keys(tmp_path, name, where):
    loader, nested, allowed = CASES[name]
    doc = copy.deepcopy(yaml.safe_load((DATA / name).read_text(encoding="utf-8")))
    target, path = doc, [] if where == "top" else nested
    for part in path:
        target = target[part]
    target["typo_key"] = 1
    bad = tmp_path / name
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        loader(bad)
    msg = str(info.value)
    key = ".".join(str(p) for p in [*path, "typo_key"])
    assert str(bad) in msg and f"unknown key {key!r}" in msg, msg
    assert info.value.file == str(bad) and info.value.key == key
    if where == "nested":
        assert allowed in msg.split("allowed keys:", 1)[1], msg


def test_a_wrong_value_lists_the_allowed_values(tmp_path):
    doc = yaml.safe_load((DATA / "systems.yaml").read_text(encoding="utf-8"))
    doc["systems"]["candidate"]["backend"] = "tgi"
    bad = tmp_path / "systems.yaml"
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"systems\.candidate\.backend: 'tgi' is not allowed.*'vllm'"):
        _load_systems(bad)


def test_production_loaders_keep_the_shipped_values():
    """The typed models feed the same values the hand-written loaders read from the shipped files."""
    from evalpipe.production.experiment import ProductionExperiment

    scoring = _load_production_scores(DATA / "production_scores.yaml")
    assert scoring.max_calls_per_model_day == 20000 and scoring.salt == "production-scores-v1"
    assert "Zendesk" in scoring.forbidden_terms and "judge_score" in scoring.quality_metrics
    assert scoring.tool_error_pattern.startswith("(?i)")
    validity = _load_metric_validity(DATA / "metric_validity.yaml")
    assert (
        validity.outcomes == ("negative_feedback", "escalation") and validity.metrics["tool_error"] is False
    )
    assert validity.n_boot == 1000 and validity.escalation_window_s == 1800.0
    [exp] = _load_experiments(DATA / "experiments.yaml")
    raw = yaml.safe_load((DATA / "experiments.yaml").read_text(encoding="utf-8"))["experiments"][0]
    assert exp == ProductionExperiment.from_dict(raw)  # the former loader's result


def test_a_wrong_experiment_metric_kind_lists_the_allowed_values(tmp_path):
    doc = yaml.safe_load((DATA / "experiments.yaml").read_text(encoding="utf-8"))
    doc["experiments"][0]["metrics"]["escalation"]["kind"] = "ratio"
    bad = tmp_path / "experiments.yaml"
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"experiments\.0\.metrics\.escalation\.kind: 'ratio' is not allowed.*'binary'"
    ):
        _load_experiments(bad)


def test_log_format_literal_matches_the_ingest_formats():
    from evalpipe.logs.ingest import FORMATS

    assert typing.get_args(LogFormat) == FORMATS


def test_backend_literal_matches_the_backends():
    from evalpipe.config import SystemFile
    from evalpipe.inference.systems import VALID_BACKENDS

    assert typing.get_args(SystemFile.model_fields["backend"].annotation) == VALID_BACKENDS


def test_kappa_floor_and_judged_partitions_have_one_default():
    """The defaults the metrics/judge code uses when metrics.yaml omits a key come from the model."""
    judge = MetricsFile.model_validate({}).judge
    shipped = load_config(DATA / "metrics.yaml", MetricsFile).judge
    assert judge.kappa_floor == shipped.kappa_floor == 0.6
    assert judge.partitions == shipped.partitions == ["distribution"]


def test_settings_read_the_environment_when_called():
    assert load_settings({}) == Settings()
    s = load_settings({"EVALPIPE_LAKE": "/x/lake", "EVALPIPE_JUDGE_MODE": "off", "UNRELATED": "1"})
    assert s.lake == "/x/lake" and s.judge_mode == "off" and s.warehouse == Settings().warehouse
    with pytest.raises(ConfigError, match="judge_mode"):
        load_settings({"EVALPIPE_JUDGE_MODE": "sometimes"})
    assert len(set(Settings.env_names().values())) == len(Settings.model_fields)


def test_importing_the_definitions_reads_no_evalpipe_variable():
    """Import evalpipe.definitions and every module under evalpipe/defs with os.environ replaced by
    a mapping that records reads; loading the definitions (defs()) is where settings are read."""
    code = r"""
import importlib, json, os, pkgutil, sys

class Recording(dict):
    reads = []
    def __getitem__(self, k):
        Recording.reads.append(k); return super().__getitem__(k)
    def get(self, k, default=None):
        Recording.reads.append(k); return super().get(k, default)
    def __contains__(self, k):
        Recording.reads.append(k); return super().__contains__(k)

os.environ = Recording(os.environ)
import evalpipe.definitions
import evalpipe.defs
for m in pkgutil.walk_packages(evalpipe.defs.__path__, "evalpipe.defs."):
    importlib.import_module(m.name)
at_import = sorted({k for k in Recording.reads if k.startswith("EVALPIPE_")})
Recording.reads.clear()
evalpipe.definitions.defs()
at_load = sorted({k for k in Recording.reads if k.startswith("EVALPIPE_")})
print(json.dumps({"import": at_import, "load": at_load}))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO)
    assert res.returncode == 0, res.stderr[-3000:]
    reads = json.loads(res.stdout.strip().splitlines()[-1])
    assert reads["import"] == []
    assert "EVALPIPE_LAKE" in reads["load"]  # the resources read their settings when defs load


def test_production_config_paths_reach_the_config_files_resource():
    from evalpipe.defs.resources import resources_from

    s = load_settings(
        {"EVALPIPE_EXPERIMENTS_CONFIG": "/x/exp.yaml", "EVALPIPE_METRIC_VALIDITY_CONFIG": "/x/v.yaml"}
    )
    files = resources_from(s)["config_files"]
    assert files.experiments == "/x/exp.yaml" and files.metric_validity == "/x/v.yaml"
    assert files.production_scores == "data/production_scores.yaml"

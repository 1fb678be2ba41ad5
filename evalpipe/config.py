"""Typed models of the YAML files in `data/` (one model per file; unknown keys are errors).

Every model is frozen and forbids extra keys, so a typo (`max_new_token`, `kapa_floor`) fails
before any work with a message that names the file, the key path and what is allowed there.
`load_config(path, Model)` is the single place that reads one of these files; the domain loaders
(`SourceConfig.load`, `load_scrubber_config`, `SamplingConfig.from_yaml`, `load_systems`,
`load_report_config`, `load_metrics_config`) call it and build their own objects from the
validated document, so their behaviour on a valid file is unchanged.

Defaults here are the only defaults: code that needs a value the file may omit reads it from
the model (e.g. `MetricsFile.judge.kappa_floor`), not from a literal of its own.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalpipe.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- log_sources.yaml
LogFormat = Literal[
    "openai", "otel", "otel_logs", "openllmetry", "openinference", "openai_batch", "litellm", "generic"
]


class GenericMappingFile(_Strict):
    """`generic:` section: canonical field -> dotted path in the team's own JSONL records."""

    fields: dict[str, str | dict[str, Any]] = Field(description="canonical field -> path or {path, scale}")
    required: list[str] = Field(
        default_factory=list, description="paths a record must have to be this format"
    )
    history: dict[str, Any] | None = None
    user_message: str | None = None
    assistant_message: str | None = None
    retrieved_context: dict[str, Any] | None = None
    feedback_score: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    metadata_rename: dict[str, str] = Field(default_factory=dict)


class LogSourcesFile(_Strict):
    """`data/log_sources.yaml`."""

    source_root: str = Field("data/raw_logs", description="folder or fsspec URL with one sub-folder per day")
    max_line_bytes: int = Field(8 * 1024 * 1024, gt=0, description="longer lines are quarantined")
    formats: dict[str, LogFormat] = Field(default_factory=dict, description="file-name pattern -> producer")
    generic: GenericMappingFile | None = None


# --------------------------------------------------------------------------- pii.yaml
PiiOperator = Literal["pseudonym", "mask", "redact"]


class PiiFile(_Strict):
    """`data/pii.yaml` (fields of `evalpipe.pii.scrubber.ScrubberConfig`; omitted ones keep its defaults)."""

    model_name: str | None = Field(None, description="installed spaCy model for PERSON")
    entities: list[str] | None = None
    operators: dict[str, PiiOperator] | None = Field(
        None, description="entity -> operator (default pseudonym)"
    )
    namespace: str | None = Field(None, description="pseudonym salt; tokens are stable within one namespace")
    hex_chars: int | None = Field(None, ge=4, le=64)
    score_threshold: float | None = Field(None, ge=0, le=1)
    batch_size: int | None = Field(None, gt=0)
    use_ner: bool | None = None
    id_fields: list[str] | None = None
    cache_size: int | None = Field(None, ge=0)
    allow_terms: list[str] | None = Field(None, description="product words NER mistakes for names")
    sweep_known_values: bool | None = None
    sweep_min_len: int | None = Field(None, ge=1)
    sweep_min_score: float | None = Field(None, ge=0, le=1)


# --------------------------------------------------------------------------- sampling.yaml
class DedupFile(_Strict):
    exact: bool = True
    near: bool = True
    threshold: float = Field(0.8, gt=0, le=1, description="estimated Jaccard of character shingles")
    num_perm: int = Field(64, ge=2)
    seed: int = 1
    shingle_k: int = Field(5, ge=1)


class SamplingFile(_Strict):
    """`data/sampling.yaml` (fields of `evalpipe.sampling.SamplingConfig`)."""

    salt: str = Field("evalpipe-sample-v1", min_length=1, description="draw key salt; change to redraw")
    rate: float | None = Field(None, gt=0, le=1, description="fraction of the deduplicated window")
    size: int | None = Field(None, ge=1, description="total records (instead of rate)")
    min_per_stratum: int = Field(1, ge=0)
    strata: list[str] = Field(default_factory=lambda: ["intent", "language_group", "feedback", "error_class"])
    allocation: Literal["proportional", "neyman"] = "proportional"
    neyman_variable: str = "input_chars"
    small_stratum_policy: Literal["error", "take_all"] = "error"
    dedup: DedupFile = Field(default_factory=DedupFile)


# --------------------------------------------------------------------------- systems.yaml
class TemplateFile(_Strict):
    name: str | None = None
    version: str | int = Field(description="bump when the text changes (part of the fingerprint)")
    system_prompt: str = ""


class DecodingFile(_Strict):
    max_new_tokens: int = Field(64, ge=1)
    temperature: float = Field(0.0, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    seed: int = 0


class SystemFile(_Strict):
    """One entry of `systems:` (see `evalpipe.inference.systems.parse_system`)."""

    backend: Literal["transformers", "vllm", "openai"]
    model: str
    template: str | TemplateFile | None = None
    decoding: DecodingFile | None = None
    options: dict[str, Any] | None = Field(None, description="backend-specific (base_url, batch_size, ...)")
    baseline: bool = False
    model_revision: str | int = ""
    max_prompt_tokens: int | None = Field(None, ge=1)
    hidden_layers: Literal["all"] | list[int] = "all"
    description: str = ""


class SystemsFile(_Strict):
    """`data/systems.yaml`: named prompt templates and the systems under test (one baseline)."""

    templates: dict[str, TemplateFile] = Field(default_factory=dict)
    systems: dict[str, SystemFile] = Field(min_length=1)


# --------------------------------------------------------------------------- report.yaml
class ReportMetricFile(_Strict):
    source: str = Field(description="the example_metrics metric it reads")
    field: Literal["value", "passed"] = "value"
    type: Literal["binary", "continuous", "ordinal"]
    tolerance: float = Field(0.0, ge=0, description="smallest change that matters, in metric units")
    higher_is_better: bool = True
    scale: float = Field(1.0, gt=0)
    gating: bool = True
    judge: bool = False


class ProbesFile(_Strict):
    label_metric: str = "overall"
    reduction: Literal["last_prompt", "last_completion", "mean_completion"] = "mean_completion"
    n_repeats: int = Field(3, ge=1)
    n_perm: int = Field(200, ge=0)


class SensitivityFile(_Strict):
    metrics: list[str] = Field(default_factory=lambda: ["overall"])


class MetricValidityPolicyFile(_Strict):
    """`metric_validity:` of report.yaml: what the gate does with a `not predictive` gating metric."""

    on_not_predictive: Literal["warn", "exclude"] = "warn"
    metrics: dict[str, str] = Field(
        default_factory=dict, description="report metric -> validity metric (default: its source)"
    )


class ReportFile(_Strict):
    """`data/report.yaml`: which example metrics enter the comparison, and the gate's settings."""

    primary_metric: str | None = None
    golden_pass_metric: str | None = None
    q: float = Field(0.05, gt=0, lt=1, description="the gate's alpha")
    n_resamples: int = Field(10_000, ge=1)
    weight: str | None = None
    strata: str | None = None
    min_gating_n: int = Field(30, ge=1)
    min_gating_clusters: int = Field(30, ge=1)
    slices: list[str] = Field(default_factory=list)
    cluster: str | None = None
    metrics: dict[str, ReportMetricFile]
    probes: ProbesFile = Field(default_factory=ProbesFile)
    sensitivity: SensitivityFile = Field(default_factory=SensitivityFile)
    metric_validity: MetricValidityPolicyFile = Field(default_factory=MetricValidityPolicyFile)


# --------------------------------------------------------------------------- metrics.yaml
class EmbeddingFile(_Strict):
    batch_size: int = Field(64, gt=0)
    lru_size: int = Field(100_000, ge=0)
    cache_dir: str | None = None


class NumericFile(_Strict):
    rel_tol: float = Field(0.005, ge=0)
    abs_tol: float = Field(1e-9, ge=0)


class FaithfulnessFile(_Strict):
    support_threshold: float = Field(0.6, ge=0, le=1)
    min_claim_words: int = Field(3, ge=1)


class JudgeFile(_Strict):
    """`judge:` of metrics.yaml: the endpoint, scoring mode, and the calibration floor."""

    enabled: bool = False
    base_url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    temperature: float = Field(0.0, ge=0, le=0.3)
    mode: Literal["json", "logprob", "constrained"] = "json"
    local_mode: Literal["json", "logprob", "constrained"] = "logprob"
    top_logprobs: int = Field(20, ge=1)
    max_tokens: int = Field(256, ge=1)
    max_reason_tokens: int = Field(24, ge=1)
    samples: int = Field(1, ge=1)
    pass_score: float = 4
    kappa_floor: float = Field(0.6, ge=-1, le=1, description="applied to the lower bound of kappa's CI")
    kappa_ci_level: float = Field(0.95, gt=0, lt=1)
    bootstrap: int = Field(2000, ge=0)
    labels_dir: str | None = None
    partitions: list[str] = Field(default_factory=lambda: ["distribution"], description="judged partitions")
    cache_path: str | None = None
    max_retries: int = Field(4, ge=0)
    timeout_s: float = Field(60, gt=0)


class PartitionMetricsFile(_Strict):
    metrics: list[str]
    thresholds: dict[str, float] = Field(default_factory=dict)
    constraints: dict[str, Any] = Field(default_factory=dict)
    gate: list[str] = Field(default_factory=list)


class MetricsFile(_Strict):
    """`data/metrics.yaml`: metrics per partition (with thresholds, constraints, gate) and the judge."""

    version: int = 1
    embedding: EmbeddingFile = Field(default_factory=EmbeddingFile)
    numeric: NumericFile = Field(default_factory=NumericFile)
    faithfulness: FaithfulnessFile = Field(default_factory=FaithfulnessFile)
    budgets: dict[str, float] = Field(default_factory=dict, description="pass-through metric -> max value")
    judge: JudgeFile = Field(default_factory=JudgeFile)
    common_constraints: dict[str, Any] | None = Field(None, description="YAML anchor for partitions")
    partitions: dict[str, PartitionMetricsFile] = Field(default_factory=dict)


# --------------------------------------------------------------------------- production_scores.yaml
class ProductionSamplingFile(_Strict):
    max_calls_per_model_day: int = Field(20_000, gt=0, description="above it, a sample of whole sessions")
    salt: str = Field("production-scores-v1", description="hash salt of the session sample")


class ProductionFaithfulnessFile(_Strict):
    support_threshold: float = Field(0.6, ge=0, le=1)
    min_claim_words: int = Field(3, ge=1)
    rel_tol: float = Field(0.005, ge=0)


class ProductionConstraintsFile(_Strict):
    forbidden_terms: list[str] = Field(default_factory=list)
    language: str = "match"
    refusal_warranted_patterns: list[str] = Field(
        default_factory=list, description="regexes: refusal is right"
    )
    json_request_pattern: str = Field(r"\bJSON\b", description="regex: the call asked for JSON")
    pii_entities: list[str] = Field(
        default_factory=lambda: ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"],
        description="pseudonym types that count as PII in an answer",
    )


class ProductionToolsFile(_Strict):
    error_pattern: str = Field(r"(?i)\"error\"\s*:|\berror\b", description="regex: a tool result is an error")


class ProductionJudgeFile(_Strict):
    enabled: bool = False
    max_calls_per_day: int = Field(500, ge=0)


class ProductionQualityFile(_Strict):
    metrics: list[str] | None = Field(None, description="daily series watched for drift (None: every metric)")


class ProductionScoresFile(_Strict):
    """`data/production_scores.yaml`: reference-free scoring of production calls."""

    version: int = 1
    sampling: ProductionSamplingFile = Field(default_factory=ProductionSamplingFile)
    faithfulness: ProductionFaithfulnessFile = Field(default_factory=ProductionFaithfulnessFile)
    constraints: ProductionConstraintsFile = Field(default_factory=ProductionConstraintsFile)
    tools: ProductionToolsFile = Field(default_factory=ProductionToolsFile)
    judge: ProductionJudgeFile = Field(default_factory=ProductionJudgeFile)
    quality: ProductionQualityFile = Field(default_factory=ProductionQualityFile)


# --------------------------------------------------------------------------- metric_validity.yaml
_Outcome = Literal["negative_feedback", "escalation", "asked_again", "handoff"]
_DEFAULT_OUTCOMES: tuple[_Outcome, ...] = ("negative_feedback", "escalation")


class MetricValidityFile(_Strict):
    """`data/metric_validity.yaml`: does a production metric predict what users experienced?"""

    window_days: int = Field(14, ge=1, description="the last N scored days")
    outcomes: list[_Outcome] = Field(default_factory=lambda: list(_DEFAULT_OUTCOMES))
    feedback_population: Literal["all", "rated"] = "all"
    min_events: int = Field(30, ge=0, description="fewer bad (or good) outcomes: insufficient feedback")
    predictive_low: float = Field(0.55, ge=0, le=1, description="AUROC CI lower bound for 'predictive'")
    n_boot: int = Field(1000, ge=0)
    n_bins: int = Field(10, ge=1)
    seed: int = 0
    escalation_window_s: float = Field(1800.0, ge=0)
    metrics: dict[str, bool] | None = Field(None, description="metric -> higher is better (None: every one)")


# --------------------------------------------------------------------------- experiments.yaml
class ExperimentMetricFile(_Strict):
    kind: Literal["binary", "continuous"] = "continuous"
    higher_is_better: bool = True
    covariate: str | None = Field(None, description="pre-period column for CUPED")
    expected_effect: float | None = Field(
        None, description="absolute effect the sequential test is tuned for"
    )


class ExperimentFile(_Strict):
    """One entry of `experiments:`."""

    name: str
    control: str
    treatment: str | None = None
    variant_field: str = Field("metadata.variant", description="metadata.<key> | tag:<prefix> | a column")
    where: dict[str, str | int | float | bool] = Field(default_factory=dict, description="population filter")
    start: str | date | None = None
    end: str | date | None = None
    split: dict[str, float] | None = Field(None, description="expected share per arm (sample-ratio check)")
    cluster: str = "session_id"
    alpha: float = Field(0.05, gt=0, lt=1)
    metrics: dict[str, ExperimentMetricFile | None] = Field(default_factory=dict)
    pre_unit: str = "user_id"


class ExperimentsFile(_Strict):
    """`data/experiments.yaml`: production experiments read by `production_experiment_report`."""

    experiments: list[ExperimentFile] = Field(default_factory=list)


# --------------------------------------------------------------------------- loading
def read_yaml(path: str | Path) -> dict[str, Any]:
    """The file's top-level mapping ({} for an empty file); a ConfigError naming the file otherwise."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: configuration file not found", file=str(p))
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{p}: not valid YAML: {e}", file=str(p)) from e
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level, got {type(doc).__name__}", file=str(p))
    return doc


def validate_config(doc: dict[str, Any], model: type[M], path: str | Path) -> M:
    """`model` of `doc`, or a ConfigError naming the file, the key path and the allowed values."""
    try:
        return model.model_validate(doc)
    except ValidationError as e:
        raise _config_error(e, model, str(path)) from None


def load_config(path: str | Path, model: type[M]) -> M:
    return validate_config(read_yaml(path), model, path)


def _config_error(err: ValidationError, model: type[BaseModel], path: str) -> ConfigError:
    lines, first_key = [], None
    errors = err.errors()
    keys = [".".join(str(x) for x in e["loc"] if not _is_union_tag(x)) for e in errors]
    for e, key in zip(errors, keys, strict=True):
        loc = key.split(".") if key else []
        key = key or "(top level)"
        # A union (`template: name | mapping`): when the mapping branch says what is wrong inside,
        # the other branch's "should be a string" only adds noise.
        if e["type"].endswith("_type") and any(k.startswith(key + ".") for k in keys):
            continue
        first_key = first_key or key
        if e["type"] == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
            lines.append(f"unknown key {key!r}{hint}")
        elif e["type"] == "literal_error":
            lines.append(f"{key}: {e['input']!r} is not allowed; allowed values: {e['ctx']['expected']}")
        elif e["type"] == "missing":
            lines.append(f"{key}: required key is missing")
        else:
            lines.append(f"{key}: {e['msg']} (got {e.get('input')!r})")
    # Unions report one error per member; keep each message once, in order.
    text = "; ".join(dict.fromkeys(lines))
    return ConfigError(f"{path}: {text}", file=path, key=first_key)


def _is_union_tag(x: Any) -> bool:
    """pydantic puts the tried union member (`str`, `TemplateFile`, `list[int]`) into `loc`."""
    return isinstance(x, str) and (x[:1].isupper() or "[" in x or x in {"str", "int", "float", "bool"})


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType):
        return [m for a in args for m in _models_in(a)]
    if origin is dict and len(args) == 2:
        return [_DictOf(m) for m in _models_in(args[1])]  # type: ignore[misc]
    if origin in (list, tuple) and args:
        return [_DictOf(m) for m in _models_in(args[0])]  # type: ignore[misc]
    return []


class _DictOf:
    """Marker: a mapping (or list) whose values are `model` (its keys or indices are free names)."""

    def __init__(self, model: type[BaseModel]):
        self.model = model


def _fields_at(model: type[BaseModel], loc: list[str]) -> list[str]:
    """Field names of the model reached by following `loc` from `model` (for 'allowed keys')."""
    current: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for m in current:
            if isinstance(m, _DictOf):
                nxt.append(m.model)
            elif part in m.model_fields:
                nxt.extend(_models_in(m.model_fields[part].annotation))
        current = nxt
    names = [n for m in current if not isinstance(m, _DictOf) for n in m.model_fields]
    return list(dict.fromkeys(names))

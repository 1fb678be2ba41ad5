"""The metric registry: each metric is one small function registered under the name metrics.yaml uses.

Why a registry: `evaluate()` used to be one if/elif per metric name, so adding a metric meant
editing the loop, its applicability rules and its pre-computation in three places. Here a metric
declares what it needs and which batch pre-compute it reads, and the evaluator is a loop over the
configured names (the idea of inspect_ai's `@scorer`, written for this table's shape):

    @metric("word_count", needs=("text",), threshold=200)
    def word_count(x: MetricInput, env: MetricEnv) -> Score:
        n = len(x.text.split())
        return Score("word_count", n, n <= x.threshold, detail=f"threshold {x.threshold}")

`needs` decides applicability, the same for every metric:
- "reference": not applicable (no row) when the example has no reference;
- "context": not applicable when the example has no context passages;
- "text": when generation failed the row is the generation error (value NaN, passed False).
A metric without "text" (latency, cost) also runs on failed generations. A function returning
None means "not applicable to this item" (no checkable number, no checkable claim).

`uses` names batch pre-computes (`@precompute`), run once over every item that has a metric using
them, before the per-item loop, in registration order; their results are in `env.batch[name]`,
keyed by item index. Derived metrics (`derived=True`: reference_match, judge_score, overall) are
not configured by name; they run after the configured ones, in registration order, where their
`applies` predicate holds, and read the scores already computed for the item (`x.results`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Need = Literal["reference", "context", "text"]


@dataclass(frozen=True)
class Score:
    """One row of the metrics table for one item; `passed` is forced False when `error` is set."""

    metric: str
    value: float | None
    passed: bool
    error: str | None = None
    detail: str = ""


@dataclass
class MetricInput:
    """One (system, example) pair, parsed once; what every metric function receives."""

    index: int
    system: str
    example_id: Any
    partition: str
    partition_config: dict
    version: str
    question: str
    context: list[str]
    reference: str | None
    constraints: dict
    text: str | None
    gen_error: str | None
    output: Any  # the outputs row (namedtuple) or None
    threshold: Any = None  # this metric's threshold (partition's `thresholds`, else the metric's default)
    results: dict[str, Score] = field(default_factory=dict)  # scores computed so far for this item


@dataclass
class MetricEnv:
    """Batch-wide settings and resources, and the pre-computed results (`batch[name][index]`)."""

    config: dict
    embedder: Any
    pii_detector: Any = None
    judge: Any = None
    claim_judge: Any = None
    judge_partitions: frozenset[str] | None = None
    judge_verdicts_out: list[dict] | None = None
    batch: dict[str, dict[int, Any]] = field(default_factory=dict)

    def section(self, key: str) -> dict:
        return self.config.get(key, {}) or {}

    @property
    def rel_tol(self) -> float:
        return float(self.section("numeric").get("rel_tol", 0.005))

    @property
    def abs_tol(self) -> float:
        return float(self.section("numeric").get("abs_tol", 1e-9))


MetricFn = Callable[[MetricInput, MetricEnv], "Score | Iterable[Score] | None"]
PrecomputeFn = Callable[[list[MetricInput], MetricEnv], dict[int, Any]]


@dataclass(frozen=True)
class MetricSpec:
    name: str
    fn: MetricFn
    needs: tuple[Need, ...] = ()
    uses: tuple[str, ...] = ()
    threshold: float | None = None
    derived: bool = False
    applies: Callable[[MetricInput, MetricEnv], bool] | None = None
    on_failed_output: Literal["error", "skip"] = "error"  # derived judge_score: no row at all

    def applicable(self, x: MetricInput, env: MetricEnv) -> bool:
        """Whether the item gets a row at all (a failed generation still does, with its error)."""
        if "reference" in self.needs and not x.reference:
            return False
        if "context" in self.needs and not x.context:
            return False
        if self.applies is not None and not self.applies(x, env):
            return False
        return not ("text" in self.needs and x.gen_error is not None and self.on_failed_output == "skip")

    def run(self, x: MetricInput, env: MetricEnv) -> list[Score]:
        """The function's scores; a generation error or an exception becomes this metric's error row."""
        if "text" in self.needs and x.gen_error is not None:
            return [Score(self.name, None, False, x.gen_error)]
        try:
            out = self.fn(x, env)
        except Exception as exc:
            return [Score(self.name, None, False, f"{type(exc).__name__}: {exc}")]
        if out is None:
            return []
        return [out] if isinstance(out, Score) else list(out)


_METRICS: dict[str, MetricSpec] = {}
_PRECOMPUTES: dict[str, PrecomputeFn] = {}


def metric(
    name: str,
    *,
    needs: Sequence[Need] = ("text",),
    uses: Sequence[str] = (),
    threshold: float | None = None,
    derived: bool = False,
    applies: Callable[[MetricInput, MetricEnv], bool] | None = None,
    on_failed_output: Literal["error", "skip"] = "error",
) -> Callable[[MetricFn], MetricFn]:
    """Register `fn` as metric `name` (the name metrics.yaml lists under a partition's `metrics`)."""

    def register(fn: MetricFn) -> MetricFn:
        for u in uses:
            if u not in _PRECOMPUTES:
                raise ValueError(f"metric {name!r} uses unknown pre-compute {u!r}")
        _METRICS[name] = MetricSpec(
            name, fn, tuple(needs), tuple(uses), threshold, derived, applies, on_failed_output
        )
        return fn

    return register


def precompute(name: str) -> Callable[[PrecomputeFn], PrecomputeFn]:
    """Register a batch step `(items, env) -> {item index: result}` that metrics name in `uses`."""

    def register(fn: PrecomputeFn) -> PrecomputeFn:
        _PRECOMPUTES[name] = fn
        return fn

    return register


def _unknown(name: str) -> MetricSpec:
    def fail(x: MetricInput, env: MetricEnv) -> Score:
        return Score(name, None, False, f"unknown metric {name!r} in config")

    return MetricSpec(name, fail, needs=("text",))


def get_metric(name: str) -> MetricSpec:
    """The configured metric `name`; an unknown (or derived) name yields an explained error row."""
    spec = _METRICS.get(name)
    return spec if spec is not None and not spec.derived else _unknown(name)


def metric_names(*, derived: bool = False) -> list[str]:
    return [n for n, s in _METRICS.items() if s.derived == derived]


def derived_metrics() -> list[MetricSpec]:
    return [s for s in _METRICS.values() if s.derived]


def precomputes() -> list[tuple[str, PrecomputeFn]]:
    return list(_PRECOMPUTES.items())


def as_float(value: float | None) -> float:
    return math.nan if value is None else float(value)

"""Systems under test: model + prompt template version + decoding params + backend.

A system's *fingerprint* hashes everything that can change its outputs (and nothing that cannot,
such as its display name, concurrency or batch size), so the output cache is shared by identical
systems and invalidated by any real change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evalpipe.errors import ConfigError

VALID_BACKENDS: tuple[str, ...] = ("transformers", "vllm", "openai")
FINGERPRINT_VERSION = "system/1"
# Backend options that do not change outputs (throughput/robustness knobs): excluded from the fingerprint.
NON_OUTPUT_OPTIONS: frozenset[str] = frozenset(
    {
        "batch_size",
        "num_threads",
        "concurrency",
        "max_attempts",
        "backoff_base_s",
        "backoff_max_s",
        "timeout_s",
        "api_key_env",
        "gpu_memory_utilization",
        "max_num_seqs",
        "tensor_parallel_size",
        "data_parallel_size",
        "price_per_1k_input",
        "price_per_1k_output",
        "hidden_batch_size",
        # transformers backend: kernels and batching only (outputs equal, tested), not content
        "attention",
        "packed_lm_head",
        "prefix_sharing",
        "min_shared_prefix",
        "max_batch_tokens",
        "drop_finished_fraction",
    }
)


class SystemConfigError(ConfigError):
    """A systems.yaml entry is invalid; the message says which field and what is allowed."""


@dataclass(frozen=True)
class PromptTemplate:
    """A versioned prompt template: a system prompt placed before the example's messages."""

    name: str
    version: str
    system_prompt: str = ""

    def apply(self, messages: list[dict[str, str]]) -> list[dict[str, str]]:
        """Prepend the template's system prompt (replacing a system message the example carried)."""
        rest = [dict(m) for m in messages if m.get("role") != "system"]
        if not self.system_prompt:
            return [dict(m) for m in messages]
        return [{"role": "system", "content": self.system_prompt}, *rest]


@dataclass(frozen=True)
class DecodingParams:
    max_new_tokens: int = 64
    temperature: float = 0.0  # 0 -> greedy
    top_p: float = 1.0
    seed: int = 0

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0


@dataclass(frozen=True)
class SystemSpec:
    name: str
    backend: str
    model: str
    template: PromptTemplate
    decoding: DecodingParams = field(default_factory=DecodingParams)
    options: dict[str, Any] = field(default_factory=dict)  # backend-specific (base_url, batch_size, ...)
    baseline: bool = False
    model_revision: str = ""  # bump when the weights behind `model` change
    max_prompt_tokens: int | None = None  # None -> context window - max_new_tokens
    hidden_layers: str | list[int] = "all"
    description: str = ""

    @property
    def fingerprint(self) -> str:
        return system_fingerprint(self)

    def output_affecting(self) -> dict[str, Any]:
        """The canonical dict that is hashed into the fingerprint."""
        return {
            "v": FINGERPRINT_VERSION,
            "backend": self.backend,
            "model": self.model,
            "model_revision": self.model_revision,
            "template": asdict(self.template),
            "decoding": asdict(self.decoding),
            "max_prompt_tokens": self.max_prompt_tokens,
            "options": {k: v for k, v in sorted(self.options.items()) if k not in NON_OUTPUT_OPTIONS},
        }


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def system_fingerprint(system: SystemSpec) -> str:
    """blake2b-128 of the canonical JSON of everything that affects outputs."""
    return hashlib.blake2b(canonical_json(system.output_affecting()).encode(), digest_size=16).hexdigest()


def _require(d: dict[str, Any], key: str, where: str) -> Any:
    if key not in d or d[key] in (None, ""):
        raise SystemConfigError(f"{where}: missing required field {key!r}")
    return d[key]


def parse_system(
    name: str, raw: dict[str, Any], templates: dict[str, dict[str, Any]] | None = None
) -> SystemSpec:
    """Validate one systems.yaml entry. `template` may be inline or a key into the `templates:` map."""
    where = f"system {name!r}"
    if not isinstance(raw, dict):
        raise SystemConfigError(f"{where}: expected a mapping, got {type(raw).__name__}")
    backend = _require(raw, "backend", where)
    if backend not in VALID_BACKENDS:
        raise SystemConfigError(
            f"{where}: unknown backend {backend!r}; valid backends are: {', '.join(VALID_BACKENDS)}"
        )
    model = str(_require(raw, "model", where))
    tpl_raw = raw.get("template", {"name": "none", "version": "0", "system_prompt": ""})
    if isinstance(tpl_raw, str):
        if not templates or tpl_raw not in templates:
            raise SystemConfigError(f"{where}: template {tpl_raw!r} not found in `templates:`")
        tpl_raw = {"name": tpl_raw, **templates[tpl_raw]}
    try:
        template = PromptTemplate(
            name=str(tpl_raw.get("name", "inline")),
            version=str(_require(tpl_raw, "version", f"{where} template")),
            system_prompt=str(tpl_raw.get("system_prompt", "")),
        )
    except AttributeError as e:
        raise SystemConfigError(f"{where}: template must be a mapping or a name") from e
    dec_raw = raw.get("decoding", {}) or {}
    unknown = set(dec_raw) - {"max_new_tokens", "temperature", "top_p", "seed"}
    if unknown:
        raise SystemConfigError(f"{where}: unknown decoding params {sorted(unknown)}")
    decoding = DecodingParams(
        max_new_tokens=int(dec_raw.get("max_new_tokens", 64)),
        temperature=float(dec_raw.get("temperature", 0.0)),
        top_p=float(dec_raw.get("top_p", 1.0)),
        seed=int(dec_raw.get("seed", 0)),
    )
    if decoding.max_new_tokens < 1:
        raise SystemConfigError(f"{where}: max_new_tokens must be >= 1")
    if not 0 < decoding.top_p <= 1:
        raise SystemConfigError(f"{where}: top_p must be in (0, 1]")
    if decoding.temperature < 0:
        raise SystemConfigError(f"{where}: temperature must be >= 0")
    layers = raw.get("hidden_layers", "all")
    if layers != "all" and not (isinstance(layers, list) and all(isinstance(i, int) for i in layers)):
        raise SystemConfigError(f"{where}: hidden_layers must be 'all' or a list of ints")
    mpt = raw.get("max_prompt_tokens")
    return SystemSpec(
        name=name,
        backend=backend,
        model=model,
        template=template,
        decoding=decoding,
        options=dict(raw.get("options", {}) or {}),
        baseline=bool(raw.get("baseline", False)),
        model_revision=str(raw.get("model_revision", "")),
        max_prompt_tokens=int(mpt) if mpt is not None else None,
        hidden_layers=layers,
        description=str(raw.get("description", "")),
    )


def load_systems(path: str | Path) -> dict[str, SystemSpec]:
    """Load and validate `systems.yaml`; exactly one system must be marked `baseline: true`."""
    from evalpipe.config import SystemsFile, read_yaml, validate_config

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"systems file not found: {path}")
    doc = read_yaml(path)
    try:
        validate_config(doc, SystemsFile, path)
    except ConfigError as e:
        raise SystemConfigError(str(e), file=e.file, key=e.key) from None
    raw_systems = doc.get("systems")
    if not isinstance(raw_systems, dict) or not raw_systems:
        raise SystemConfigError(f"{path}: expected a non-empty `systems:` mapping")
    templates = doc.get("templates", {}) or {}
    systems = {name: parse_system(name, raw, templates) for name, raw in raw_systems.items()}
    baselines = [s.name for s in systems.values() if s.baseline]
    if len(baselines) != 1:
        raise SystemConfigError(f"{path}: exactly one system must have `baseline: true`, found {baselines}")
    return systems


def baseline_system(systems: dict[str, SystemSpec]) -> SystemSpec:
    return next(s for s in systems.values() if s.baseline)

"""Sampling configuration: parsed and validated before anything runs or is written.

Errors are `ValueError` subclasses with messages that name the offending key/stratum, so a
Dagster run fails with a readable reason instead of a half-written dataset.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evalpipe.errors import ConfigError


class SamplingConfigError(ConfigError):
    """The sampling configuration itself is invalid (bad value, unknown option)."""


class UnknownStratumKeyError(SamplingConfigError):
    """A configured stratum key is not a column of the features table."""


class StratumTooSmallError(SamplingConfigError):
    """A stratum holds fewer records than the configured per-stratum minimum."""


class EmptyWindowError(ValueError):
    """The input window holds no records (nothing to sample)."""


ALLOCATIONS = ("proportional", "neyman")
SMALL_STRATUM_POLICIES = ("error", "take_all")


@dataclass(frozen=True)
class DedupConfig:
    exact: bool = True
    near: bool = True
    threshold: float = 0.8  # estimated Jaccard of character 5-gram shingles
    num_perm: int = 64
    seed: int = 1
    shingle_k: int = 5


@dataclass(frozen=True)
class SamplingConfig:
    """How to draw the distribution sample.

    Exactly one of `rate` (fraction of the deduplicated population) or `size` (total records).
    `small_stratum_policy`: "error" raises StratumTooSmallError when a stratum is smaller than
    `min_per_stratum`; "take_all" keeps the whole stratum and flags its rows (`take_all=True`).
    """

    salt: str = "evalpipe-sample-v1"
    rate: float | None = 0.05
    size: int | None = None
    min_per_stratum: int = 1
    strata: tuple[str, ...] = ("intent", "language_group", "feedback", "error_class")
    allocation: str = "proportional"
    neyman_variable: str = "input_chars"
    small_stratum_policy: str = "error"
    dedup: DedupConfig = field(default_factory=DedupConfig)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SamplingConfig:
        """Build and validate; unknown keys are an error (typos must not be silently ignored)."""
        if not isinstance(d, dict):
            raise SamplingConfigError(f"sampling config must be a mapping, got {type(d).__name__}")
        d = dict(d)
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(d) - known)
        if unknown:
            raise SamplingConfigError(f"unknown sampling config key(s): {unknown}; known: {sorted(known)}")
        dd = d.pop("dedup", None) or {}
        if not isinstance(dd, dict):
            raise SamplingConfigError("dedup must be a mapping")
        dknown = set(DedupConfig.__dataclass_fields__)
        dunknown = sorted(set(dd) - dknown)
        if dunknown:
            raise SamplingConfigError(f"unknown dedup config key(s): {dunknown}; known: {sorted(dknown)}")
        if "size" in d and "rate" not in d:
            d["rate"] = None
        if "strata" in d:
            if not isinstance(d["strata"], list | tuple):
                raise SamplingConfigError("strata must be a list of feature column names")
            d["strata"] = tuple(d["strata"])
        cfg = cls(dedup=DedupConfig(**dd), **d)
        cfg.validate()
        return cfg

    @classmethod
    def from_yaml(cls, path: str | Path) -> SamplingConfig:
        """Validate the file (errors name it and the key), then build as `from_dict` does."""
        from evalpipe.config import SamplingFile, read_yaml, validate_config

        raw = read_yaml(path)
        try:
            validate_config(raw, SamplingFile, path)
        except ConfigError as e:
            raise SamplingConfigError(str(e), file=e.file, key=e.key) from None
        return cls.from_dict(raw)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["strata"] = list(self.strata)
        return d

    def validate(self) -> None:
        """Check values independent of the data."""
        if (self.rate is None) == (self.size is None):
            raise SamplingConfigError("set exactly one of `rate` or `size`")
        if self.rate is not None and not (0.0 < float(self.rate) <= 1.0):
            raise SamplingConfigError(f"rate must be in (0, 1], got {self.rate}")
        if self.size is not None and (not isinstance(self.size, int) or self.size < 1):
            raise SamplingConfigError(f"size must be a positive integer, got {self.size!r}")
        if not isinstance(self.min_per_stratum, int) or self.min_per_stratum < 0:
            raise SamplingConfigError(
                f"min_per_stratum must be an integer >= 0, got {self.min_per_stratum!r}"
            )
        if not self.strata or not all(isinstance(s, str) and s for s in self.strata):
            raise SamplingConfigError("strata must be a non-empty list of column names")
        if len(set(self.strata)) != len(self.strata):
            raise SamplingConfigError(f"duplicate stratum keys in {list(self.strata)}")
        if self.allocation not in ALLOCATIONS:
            raise SamplingConfigError(f"allocation must be one of {ALLOCATIONS}, got {self.allocation!r}")
        if self.small_stratum_policy not in SMALL_STRATUM_POLICIES:
            raise SamplingConfigError(
                f"small_stratum_policy must be one of {SMALL_STRATUM_POLICIES}, got {self.small_stratum_policy!r}"
            )
        if not isinstance(self.salt, str) or not self.salt:
            raise SamplingConfigError("salt must be a non-empty string")
        dd = self.dedup
        if not (0.0 < float(dd.threshold) <= 1.0):
            raise SamplingConfigError(f"dedup.threshold must be in (0, 1], got {dd.threshold}")
        if not isinstance(dd.num_perm, int) or dd.num_perm < 2:
            raise SamplingConfigError(f"dedup.num_perm must be an integer >= 2, got {dd.num_perm!r}")
        if not isinstance(dd.shingle_k, int) or dd.shingle_k < 1:
            raise SamplingConfigError(f"dedup.shingle_k must be an integer >= 1, got {dd.shingle_k!r}")

    def validate_columns(self, columns: list[str] | Any) -> None:
        """Check the config against the features table's columns (before any work)."""
        cols = set(columns)
        missing = [k for k in self.strata if k not in cols]
        if missing:
            raise UnknownStratumKeyError(
                f"unknown stratum key(s) {missing}: not columns of the features table "
                f"(available: {sorted(cols)})"
            )
        need = {"record_id"}
        if self.dedup.exact:
            need.add("content_hash")
        if self.dedup.near:
            need.add("norm_text")
        if self.allocation == "neyman":
            need.add(self.neyman_variable)
        lacking = sorted(need - cols)
        if lacking:
            raise SamplingConfigError(f"features table lacks column(s) needed by this config: {lacking}")

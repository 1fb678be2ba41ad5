"""Build the eval dataset (all four partitions) and write it as an immutable version.

`materialize_eval_dataset` is the one call the Dagster asset needs: it validates every config
and input *before* anything is written (bad config -> ValueError subclass, no files), samples,
builds rows, runs the PII residue guard, and writes the version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evalpipe.sampling.config import EmptyWindowError, SamplingConfig, SamplingConfigError
from evalpipe.sampling.sample import SAMPLER_VERSION, strata_table, stratified_sample
from evalpipe.sampling.text import blake2b_hex
from evalpipe.suites.adversarial import GENERATOR_VERSION, adversarial_rows
from evalpipe.suites.distribution import UnscrubbedInputError, distribution_rows
from evalpipe.suites.golden import DEFAULT_GOLDEN, golden_rows
from evalpipe.suites.kb import DEFAULT_KB_DIR
from evalpipe.suites.pii_guard import find_pii
from evalpipe.suites.regression import DEFAULT_REGRESSION, regression_rows
from evalpipe.suites.schema import EVAL_COLUMNS, PARTITIONS, row_texts
from evalpipe.suites.versioning import WriteResult, write_dataset_version

SUITES_CODE_VERSION = "suites/1"


class PIIResidueError(ValueError):
    """A dataset row contains text that looks like PII (outside typed pseudonyms)."""


@dataclass(frozen=True)
class DatasetBuildConfig:
    golden_path: str = str(DEFAULT_GOLDEN)
    regression_path: str = str(DEFAULT_REGRESSION)
    kb_dir: str = str(DEFAULT_KB_DIR)
    adversarial_seed: int = 0
    adversarial_per_category: int = 4
    n_paraphrases: int = 5
    partitions: tuple[str, ...] = PARTITIONS
    pii_policy: str = "error"  # error | drop (drop applies to distribution rows only)

    def validate(self) -> None:
        bad = sorted(set(self.partitions) - set(PARTITIONS))
        if bad:
            raise SamplingConfigError(f"unknown partition(s) {bad}; known: {list(PARTITIONS)}")
        for name in ("golden_path", "regression_path"):
            part = name.split("_")[0]
            if part in self.partitions and not Path(getattr(self, name)).exists():
                raise SamplingConfigError(f"{name} does not exist: {getattr(self, name)}")
        if not Path(self.kb_dir).is_dir():
            raise SamplingConfigError(f"kb_dir is not a directory: {self.kb_dir}")
        if self.pii_policy not in ("error", "drop"):
            raise SamplingConfigError(f"pii_policy must be error or drop, got {self.pii_policy!r}")
        if self.n_paraphrases < 0 or self.adversarial_per_category < 0:
            raise SamplingConfigError("n_paraphrases and adversarial_per_category must be >= 0")

    def fingerprint(self) -> dict[str, Any]:
        """Config as it enters the version hash: file *contents* hashed, machine paths left out."""
        d = asdict(self)
        for key in ("golden_path", "regression_path"):
            p = Path(d.pop(key))
            d[key.replace("_path", "_file")] = {
                "name": p.name,
                "blake2b": blake2b_hex(p.read_bytes()) if p.exists() else None,
            }
        kb = Path(d.pop("kb_dir"))
        d["kb"] = {f.name: blake2b_hex(f.read_bytes()) for f in sorted(kb.glob("*.md"))}
        d["partitions"] = list(self.partitions)
        return d


def check_pii(rows: list[dict[str, Any]], policy: str = "error") -> tuple[list[dict[str, Any]], list[str]]:
    """(kept rows, dropped example ids).  Curated partitions always raise; distribution per policy."""
    kept, dropped, errors = [], [], []
    for r in rows:
        hits = [h for t in row_texts(r) for h in find_pii(t)]
        if not hits:
            kept.append(r)
        elif r["partition"] == "distribution" and policy == "drop":
            dropped.append(r["example_id"])
        else:
            errors.append(f"{r['example_id']}: {sorted({k for k, _ in hits})}")
    if errors:
        raise PIIResidueError(f"PII-like text in {len(errors)} row(s): {errors[:5]}")
    return kept, dropped


def build_eval_dataset(
    build_config: DatasetBuildConfig | None = None,
    sample_df: pd.DataFrame | None = None,
    scrubbed_df: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All configured partitions as one DataFrame (schema `EVAL_SCHEMA`), sorted by example_id."""
    cfg = build_config or DatasetBuildConfig()
    cfg.validate()
    rows: list[dict[str, Any]] = []
    if "golden" in cfg.partitions:
        rows += golden_rows(cfg.golden_path, cfg.kb_dir, cfg.n_paraphrases)
    if "regression" in cfg.partitions:
        rows += regression_rows(cfg.regression_path, cfg.kb_dir)
    if "adversarial" in cfg.partitions:
        rows += adversarial_rows(cfg.adversarial_seed, cfg.adversarial_per_category)
    if "distribution" in cfg.partitions and sample_df is not None:
        if scrubbed_df is None:
            raise UnscrubbedInputError("distribution partition needs the scrubbed canonical rows")
        rows += distribution_rows(sample_df, scrubbed_df)
    rows, _ = check_pii(rows, cfg.pii_policy)
    df = pd.DataFrame(rows, columns=EVAL_COLUMNS)
    return df.sort_values("example_id").reset_index(drop=True)


def materialize_eval_dataset(
    root: str | Path,
    *,
    scrubbed_df: pd.DataFrame,
    sampling_config: SamplingConfig | dict,
    features_df: pd.DataFrame | None = None,
    sample_df: pd.DataFrame | None = None,
    build_config: DatasetBuildConfig | None = None,
    source_partitions: list[str] | None = None,
) -> tuple[WriteResult, pd.DataFrame]:
    """Validate -> (sample) -> build -> PII guard -> write version.  Returns (write result, sample).

    Pass `features_df` to sample here, or `sample_df` (the output of `stratified_sample` with the same
    config, e.g. from an upstream asset).  Nothing touches `root` until every check has passed.
    """
    scfg = SamplingConfig.from_dict(sampling_config) if isinstance(sampling_config, dict) else sampling_config
    scfg.validate()
    bcfg = build_config or DatasetBuildConfig()
    bcfg.validate()
    if sample_df is None:
        if features_df is None or len(features_df) == 0:
            raise EmptyWindowError("empty window: no feature rows to sample")
        scfg.validate_columns(features_df.columns)
    else:
        lacking = sorted(
            {"record_id", "stratum", "stratum_N", "stratum_n", "design_weight"} - set(sample_df.columns)
        )
        if lacking:
            raise SamplingConfigError(f"sample_df is not a stratified_sample output (lacks {lacking})")
        if len(sample_df) == 0:
            raise EmptyWindowError("empty window: the sample has no rows")
    if "scrubber_version" not in scrubbed_df.columns or scrubbed_df["scrubber_version"].isna().any():
        raise UnscrubbedInputError("every scrubbed row needs a scrubber_version")

    sample = stratified_sample(features_df, scfg) if sample_df is None else sample_df
    rows: list[dict[str, Any]] = []
    if "golden" in bcfg.partitions:
        rows += golden_rows(bcfg.golden_path, bcfg.kb_dir, bcfg.n_paraphrases)
    if "regression" in bcfg.partitions:
        rows += regression_rows(bcfg.regression_path, bcfg.kb_dir)
    if "adversarial" in bcfg.partitions:
        rows += adversarial_rows(bcfg.adversarial_seed, bcfg.adversarial_per_category)
    if "distribution" in bcfg.partitions:
        rows += distribution_rows(sample, scrubbed_df)
    rows, dropped = check_pii(rows, bcfg.pii_policy)

    src = features_df if features_df is not None else sample
    days = sorted({str(d) for d in src["day"].dropna().unique()}) if "day" in src else []
    st = strata_table(sample)
    config = {"sampling": scfg.to_dict(), "build": bcfg.fingerprint()}
    fv = src["features_version"].dropna().unique() if "features_version" in src else []
    manifest_extra = {
        "code_version": f"{SUITES_CODE_VERSION};{SAMPLER_VERSION};{GENERATOR_VERSION}",
        "salt": scfg.salt,
        "window": {
            "days": days,
            "source_partitions": sorted(source_partitions or days),
            "input_rows": int(len(features_df)) if features_df is not None else None,
        },
        "population_after_dedup": int(st["N"].sum()),
        "strata": [
            {"stratum": s, "N": int(n_), "n": int(k), "weight": float(w)}
            for s, n_, k, w in st[["stratum", "N", "n", "weight"]].itertuples(index=False)
        ],
        "scrubber_versions": sorted({str(v) for v in scrubbed_df["scrubber_version"].dropna().unique()}),
        "features_versions": sorted({str(v) for v in fv}),
        "record_id_hash": blake2b_hex("\n".join(sorted(sample["record_id"].astype(str)))),
        "pii_dropped": sorted(dropped),
    }
    result = write_dataset_version(root, rows, config, manifest_extra)
    return result, sample

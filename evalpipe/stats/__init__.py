"""Statistics core for comparison reports (README, "Statistics and reports").

Plain numpy / scipy / statsmodels / scikit-learn; no Dagster.  Every function is vectorised over
metrics where that matters, so one report over many metric x slice cells costs seconds.
"""

from evalpipe.stats.compare import (
    VERDICTS,
    CompareConfig,
    MetricSpec,
    compare_systems,
    gate_decision,
    golden_check,
)
from evalpipe.stats.drift import cusum, psi
from evalpipe.stats.intervals import (
    clustered_mean_se,
    mean_ci,
    stratified_weighted_mean,
    wilson_ci,
)
from evalpipe.stats.paired import (
    benjamini_hochberg,
    bootstrap_bca_mean,
    mcnemar_midp,
    paired_bootstrap_bca,
    paired_summary,
    welch_t,
    wilcoxon_pratt,
)
from evalpipe.stats.power import binary_paired_sd, mde, required_n
from evalpipe.stats.probes import layer_probes
from evalpipe.stats.prompt_sensitivity import prompt_sensitivity

__all__ = [
    "VERDICTS",
    "CompareConfig",
    "MetricSpec",
    "benjamini_hochberg",
    "binary_paired_sd",
    "bootstrap_bca_mean",
    "clustered_mean_se",
    "compare_systems",
    "cusum",
    "gate_decision",
    "golden_check",
    "layer_probes",
    "mcnemar_midp",
    "mde",
    "mean_ci",
    "paired_bootstrap_bca",
    "paired_summary",
    "prompt_sensitivity",
    "psi",
    "required_n",
    "stratified_weighted_mean",
    "welch_t",
    "wilcoxon_pratt",
    "wilson_ci",
]

import numpy as np
import pandas as pd

from evalpipe.stats.drift import cusum
from evalpipe.stats.plots import auroc_depth_plot, drift_plot, forest_plot

PNG = b"\x89PNG\r\n\x1a\n"


def test_plots_return_png():
    comp = pd.DataFrame(
        {
            "metric": ["a", "b"],
            "slice_key": ["all", "intent"],
            "slice_value": ["all", "x"],
            "diff": [0.01, -0.03],
            "ci_low": [-0.01, -0.05],
            "ci_high": [0.03, -0.01],
            "tolerance": [0.01, 0.01],
            "verdict": ["no_change", "regression"],
        }
    )
    assert forest_plot(comp).startswith(PNG)
    per_layer = pd.DataFrame(
        {
            "layer": range(5),
            "rel_depth": np.linspace(0, 1, 5),
            "auroc": [0.5, 0.55, 0.8, 0.9, 0.9],
            "ci_low": [0.45, 0.5, 0.75, 0.85, 0.85],
            "ci_high": [0.55, 0.6, 0.85, 0.95, 0.95],
            "null_95": [0.56] * 5,
        }
    )
    summ = {
        "null_95": 0.57,
        "best_baseline": "length",
        "best_baseline_auroc": 0.6,
        "emergence_layer": 2,
        "emergence_rel_depth": 0.5,
    }
    assert auroc_depth_plot(per_layer, summ).startswith(PNG)
    x = np.r_[np.zeros(20), np.linspace(0, 3, 20)]
    assert drift_plot(cusum(x, ref_mean=0, ref_sd=1)).startswith(PNG)

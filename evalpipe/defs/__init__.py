"""The Dagster layer: thin wiring of the domain packages into assets, checks, jobs and sensors.

Dagster marks a few parameters we rely on as beta/preview (`Output(data_version=...)`,
`backfill_policy`, `partitions_def` on asset checks) and warns on every use: a line per run that
a user of this project cannot act on.  The filters below drop those warnings only where our own
`evalpipe.defs` code triggers them; every other warning (the development PII key above all) still
shows.
"""

import warnings

from dagster import BetaWarning, PreviewWarning

for _category in (BetaWarning, PreviewWarning):
    warnings.filterwarnings("ignore", category=_category, module=r"evalpipe\.defs(\.|$)")

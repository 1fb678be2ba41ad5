"""Rebuild first_names.txt / last_names.txt from names-dataset (run by hand; not imported by evalpipe).

    pip download --no-deps names-dataset==3.3.1 && unzip names_dataset-3.3.1-py3-none-any.whl
    python evalpipe/pii/data/build_first_names.py names_dataset/v3/first_names.pkl.gz > first_names.body
    python evalpipe/pii/data/build_first_names.py names_dataset/v3/last_names.pkl.gz > last_names.body

Keeps every name ranked in the top 400 of at least one country.  Loading the pickle needs
~3 GB of RAM, which is why the scrubber reads this small derived list instead of the package.
"""

from __future__ import annotations

import gzip
import pickle
import sys


def main(path: str, top: int = 400) -> None:
    with gzip.open(path, "rb") as f:
        data = pickle.load(f)  # noqa: S301 - the published dataset file, read once by hand
    names = sorted(n for n, info in data.items() if any(r and r <= top for r in (info.get("rank") or {}).values()))
    sys.stdout.write("".join(n + "\n" for n in names))


if __name__ == "__main__":
    main(sys.argv[1])

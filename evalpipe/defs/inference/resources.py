"""`SystemsResource`: the one reader of `systems.yaml` in the Dagster layer, and the one registrar
of its `systems` partitions.

The file's schema stays `evalpipe.config.SystemsFile` (applied by `evalpipe.inference.load_systems`);
this resource only says which file, and turns its names into dynamic partitions.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import dagster as dg

from evalpipe.defs.inference.partitions import systems_partitions
from evalpipe.inference import SystemSpec, load_systems
from evalpipe.settings import Settings


class SystemsResource(dg.ConfigurableResource):
    """The systems under test of this deployment (`Settings.systems`), one `systems` partition each."""

    path: str = Settings().systems

    def load(self) -> dict[str, SystemSpec]:
        """Every system, validated; exactly one is the baseline."""
        return load_systems(self.path)

    def exists(self) -> bool:
        return Path(self.path).is_file()

    def names(self) -> list[str]:
        return sorted(self.load())

    def spec(self, name: str) -> SystemSpec:
        """The system a `systems` partition stands for; a partition no longer in the file fails the run."""
        systems = self.load()
        if name not in systems:
            raise dg.Failure(
                f"system {name!r} is not in {self.path} (known: {sorted(systems)})", allow_retries=False
            )
        return systems[name]

    def partitions_request(self, instance: dg.DagsterInstance) -> dg.AddDynamicPartitionsRequest:
        """Add a partition for each system not registered yet (never removes one: past runs keep theirs).

        A sensor returns this request; an in-process caller applies it with `register_partitions`.
        """
        return _add_request(instance, self.names())

    def register_partitions(self, instance: dg.DagsterInstance) -> list[str]:
        """Apply `partitions_request` now (no daemon: the demo, tests); returns every system's name."""
        names = self.names()
        request = _add_request(instance, names)
        if request.partition_keys:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        return names


def _add_request(instance: dg.DagsterInstance, names: list[str]) -> dg.AddDynamicPartitionsRequest:
    """The only place that decides which `systems` partitions to add."""
    existing = set(instance.get_dynamic_partitions(cast(str, systems_partitions.name)))
    return systems_partitions.build_add_request([n for n in names if n not in existing])

"""An experiment that crosses a boundary (harm or ship) raises an alert through the run-failure
alert path (log line + optional webhook), once per crossing."""

import json
from collections.abc import Mapping
from typing import cast

import dagster as dg

from evalpipe.defs.automation.sensors import send_alert

REPORT_KEY = dg.AssetKey("production_experiment_report")
BOUNDARIES = ("harm", "ship")


def crossings(verdicts: dict[str, str], seen: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """(experiment, verdict, previous) for every experiment newly at harm or ship."""
    return [
        (name, v, seen.get(name))
        for name, v in sorted(verdicts.items())
        if v in BOUNDARIES and seen.get(name) != v
    ]


@dg.sensor(
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Alert when a production experiment's verdict becomes harm or ship.",
)
def experiment_boundary_sensor(context: dg.SensorEvaluationContext):
    cursor = json.loads(context.cursor) if context.cursor else {"seen": None, "verdicts": {}}
    event = context.instance.get_latest_materialization_event(REPORT_KEY)
    seen = None if event is None else f"{event.run_id}:{event.timestamp}"
    if event is None or seen == cursor.get("seen"):
        return dg.SkipReason("no new production_experiment_report materialization")
    mat = event.asset_materialization
    md = mat.metadata.get("verdicts") if mat is not None else None
    verdicts: dict[str, str] = dict(cast("Mapping[str, str]", md.value)) if md is not None else {}
    alerted = []
    for name, verdict, before in crossings(verdicts, cursor.get("verdicts", {})):
        send_alert(
            context.log,
            f"experiment {verdict}",
            {"experiment": name, "verdict": verdict, "previous": before, "run_id": event.run_id},
        )
        alerted.append(name)
    context.update_cursor(json.dumps({"seen": seen, "verdicts": verdicts}, sort_keys=True))
    return dg.SkipReason(f"alerted: {alerted}" if alerted else f"no boundary crossed: {verdicts}")

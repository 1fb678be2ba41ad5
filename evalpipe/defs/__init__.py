"""The Dagster layer: thin wiring of the domain packages into assets, checks, jobs and sensors."""

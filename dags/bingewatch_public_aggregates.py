"""
### bingewatch public aggregates: the suppressed public table as a CSV, after each publication

Scheduled on the Asset `bingewatch://published/notable_viewers`, which the nightly DAG's
`publish` task updates: every successful publication is followed by one run of this DAG.

**export_public_title_streaks** opens `published/bingewatch.duckdb` **read-only** (analysts'
path: it never blocks or sees the nightly writer) and writes the table `public_title_streaks`
(counts per title, suppressed below the minimum group size, no viewer keys) to
`reports/public/title_streaks.csv`, atomically (a temporary file, then `os.replace`).

Paths come from `BINGEWATCH_DATA_DIR`; heavy imports live inside the task.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

NOTABLE_VIEWERS = Asset("bingewatch://published/notable_viewers")


@dag(
    dag_id="bingewatch_public_aggregates",
    schedule=[NOTABLE_VIEWERS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1},
    doc_md=__doc__,
    tags=["bingewatch"],
)
def bingewatch_public_aggregates():
    @task
    def export_public_title_streaks() -> dict:
        """Copy public_title_streaks from the published snapshot to reports/public/title_streaks.csv."""
        from bingewatch.public_aggregates import export_public_title_streaks as export
        from bingewatch.settings import Settings

        return export(Settings.from_env())

    export_public_title_streaks()


bingewatch_public_aggregates()

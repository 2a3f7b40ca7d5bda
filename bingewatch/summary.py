"""What a finished run leaves behind: locations and a summary of the published snapshot."""

from __future__ import annotations

from bingewatch.contract import NOTABLE_RULES
from bingewatch.settings import Settings


def published_summary(settings: Settings) -> dict:
    """Viewers, viewer-days and notable viewers by rule, read from the published file."""
    import duckdb

    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        viewers, viewer_days, first, last = con.execute(
            "select count(distinct viewer_key), count(*), min(activity_date), max(activity_date) "
            "from viewer_days"
        ).fetchone()
        by_rule = dict(
            con.execute(
                "select rule, count(distinct viewer_key) from notable_viewers group by rule order by rule"
            ).fetchall()
        )
        notable_rows = con.execute("select count(*) from notable_viewers").fetchone()[0]
    return {
        "viewers": viewers,
        "viewer_days": viewer_days,
        "first_activity_date": str(first),
        "last_activity_date": str(last),
        "notable_viewers_by_rule": by_rule,
        "notable_rows": notable_rows,
    }


def print_summary(settings: Settings) -> int:
    """Print where the outputs are and the published numbers; 1 when nothing is published yet."""
    print()
    print("Outputs")
    print(f"  warehouse (the nightly writer's file): {settings.warehouse_path}")
    print(f"  published snapshot (query this):       {settings.published_path}")
    print(f"  data-quality report:                   {settings.reports_dir / 'index.html'}")
    print(f"  Great Expectations Data Docs:          {settings.reports_dir / 'data_docs' / 'index.html'}")
    if not settings.published_path.exists():
        print("\nNothing has been published yet.")
        return 1
    summary = published_summary(settings)
    print()
    print("Published snapshot")
    print(f"  viewers:      {summary['viewers']}")
    print(
        f"  viewer-days:  {summary['viewer_days']} "
        f"({summary['first_activity_date']} .. {summary['last_activity_date']})"
    )
    print(f"  notable rows: {summary['notable_rows']}")
    print("  notable viewers by rule:")
    for rule in NOTABLE_RULES:
        print(f"    {rule:<15} {summary['notable_viewers_by_rule'].get(rule, 0)}")
    return 0

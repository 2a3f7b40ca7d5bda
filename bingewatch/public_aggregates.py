"""Export the published public aggregates (already suppressed below the minimum group size)."""

from __future__ import annotations

import os

from bingewatch.settings import Settings


def export_public_title_streaks(settings: Settings) -> dict:
    """Copy public_title_streaks from the published snapshot to reports/public/title_streaks.csv.

    The snapshot is opened read-only (the analysts' path: never blocked, never the writer's
    file); the CSV is written to a temporary file and moved into place.
    """
    import duckdb

    target = settings.reports_dir / "public" / "title_streaks.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial_sql = partial.as_posix().replace("'", "''")
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        con.execute("set enable_progress_bar = false")
        columns = [c[0] for c in con.execute("select * from public_title_streaks limit 0").description]
        if "viewer_key" in columns:  # defence in depth: the public file never carries viewer keys
            raise ValueError("public_title_streaks has a viewer_key column; refusing to export it")
        con.execute(
            f"copy (select * from public_title_streaks order by all) "
            f"to '{partial_sql}' (header, delimiter ',')"
        )
        rows = con.execute("select count(*) from public_title_streaks").fetchone()[0]
    os.replace(partial, target)
    return {"path": str(target), "rows": rows}

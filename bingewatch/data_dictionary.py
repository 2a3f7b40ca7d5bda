"""The data dictionary published with every publication: dbt's static docs of the marts.

``dbt docs generate --static`` writes one self-contained HTML file (manifest and catalog
inlined) describing every model and column from the project's YAML, with the column types of
the catalog. bingewatch points it at the *published* schema, not at the warehouse:

* dbt runs with ``BINGEWATCH_DATA_DIR`` set to ``warehouse/dbt_docs/``, whose
  ``warehouse/bingewatch.duckdb`` holds empty copies (``limit 0``) of the published tables,
  so the catalog lists exactly the published columns and types, holds no rows, and dbt never
  opens the real warehouse (no lock against a running ``dbt_build``) or the published file;
* ``--select`` the published models (only they are compiled and in the catalog);
* the result goes to ``reports/data_dictionary.html``. dbt 1.12's static page already inlines
  its scripts, styles and fonts; ``make_offline`` still drops any remote ``<link>``,
  ``<script src>`` or CSS ``@import`` and blanks the usage tracker's CDN script URL (loaded
  only with anonymous usage stats on, which bingewatch turns off), so it renders from
  ``file://`` with no network (tests/quality/test_rendering.py).

Cost: a dbt start-up and parse (seconds, see docs/data_quality.md). So it runs only when
the dictionary would change: ``reports/data_dictionary.json`` keeps a fingerprint of the dbt
project files (models, macros, dbt_project.yml) and of the published schema (tables, columns,
types); an unchanged fingerprint skips dbt entirely.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bingewatch.settings import DBT_PROJECT_DIR, Settings

log = logging.getLogger(__name__)

DICTIONARY = "data_dictionary.html"
STATE = "data_dictionary.json"
_REMOTE_LINK = re.compile(r"<link[^>]+href=[\"']https?://[^\"']+[\"'][^>]*>", re.IGNORECASE)
_REMOTE_IMPORT = re.compile(r"@import\s+url\(\s*['\"]?https?://[^)]*\)\s*;?", re.IGNORECASE)
# dbt docs' usage tracker (Snowplow's sp.js from a CDN), loaded only when the manifest says
# send_anonymous_usage_stats (bingewatch turns it off); the URL is blanked all the same.
_TRACKER = re.compile(r"\"//[a-z0-9.-]+\.cloudfront\.net/[^\"]*sp\.js\"", re.IGNORECASE)
_REMOTE_SCRIPT = re.compile(r"<script[^>]+src=[\"']https?://[^\"']+[\"'][^>]*>\s*</script>", re.IGNORECASE)


# Published tables bingewatch writes itself (bingewatch.nightly.publish), documented as dbt sources
# (models/marts/_published__sources.yml).
SOURCE_TABLES = {"publication"}


def published_schema(published: Path) -> list[tuple[str, str, str]]:
    """(table, column, type) of the published snapshot, read-only, in column order."""
    import duckdb

    with duckdb.connect(str(published), read_only=True) as con:
        return [
            tuple(row)
            for row in con.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = 'main' order by table_name, ordinal_position"
            ).fetchall()
        ]


def fingerprint(schema: list[tuple[str, str, str]]) -> str:
    """sha256 over the dbt project's sources of documentation and the published schema."""
    digest = hashlib.sha256(json.dumps(schema).encode())
    files = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros"):
        files += sorted((DBT_PROJECT_DIR / folder).rglob("*.*"))
    for path in files:
        if path.is_file() and path.suffix in (".yml", ".yaml", ".sql", ".md"):
            digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _empty_schema_copy(published: Path, target: Path, tables: list[str]) -> None:
    """A DuckDB file with the published tables' columns and types and no rows."""
    import duckdb

    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(target)) as con:
        con.execute("attach ? as published (read_only)", [str(published)])
        for table in tables:
            con.execute(f'create table main."{table}" as select * from published.main."{table}" limit 0')
        con.execute("detach published")


def make_offline(html: str) -> str:
    """Drop anything dbt's static page could fetch (remote stylesheets, fonts, scripts, the
    usage tracker's script URL); everything it needs is inline."""
    html = _REMOTE_SCRIPT.sub("", _REMOTE_IMPORT.sub("", _REMOTE_LINK.sub("", html)))
    return _TRACKER.sub('""', html)


def remote_references(html: str) -> list[str]:
    """Remote resources a page would load (tags and CSS imports/urls), for the tests."""
    found = _REMOTE_LINK.findall(html) + _REMOTE_IMPORT.findall(html) + _REMOTE_SCRIPT.findall(html)
    found += re.findall(r"url\(\s*['\"]?https?://[^)]*\)", html, re.IGNORECASE)
    return found


def _dbt() -> str:
    # The docs always use the duckdb target on the empty schema copy, whatever the run's target.
    return str(Path(sys.executable).with_name("dbt"))


def build_data_dictionary(settings: Settings, force: bool = False) -> dict[str, Any]:
    """Write reports/data_dictionary.html for the current publication; return what happened.

    {"status": "written" | "unchanged" | "no publication" | "failed", "path", "duration_s",
    "dbt_s", "tables"}. Never raises: the dictionary is documentation, not a gate.
    """
    started = time.monotonic()
    page = settings.reports_dir / DICTIONARY
    state_path = settings.reports_dir / STATE
    published = settings.published_path
    if not published.is_file():
        return {"status": "no publication", "path": None, "duration_s": 0.0}
    try:
        schema = published_schema(published)
    except Exception as error:  # a damaged snapshot is the audit's business, not the docs'
        log.warning("data dictionary: cannot read %s: %s", published, error)
        return {"status": "failed", "path": None, "error": str(error)[:300]}
    tables = sorted({table for table, _, _ in schema})
    print_ = fingerprint(schema)
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        state = {}
    if not force and page.is_file() and state.get("fingerprint") == print_:
        return {**state, "status": "unchanged", "duration_s": round(time.monotonic() - started, 3)}

    scratch = settings.warehouse_dir / "dbt_docs"
    _empty_schema_copy(published, scratch / "warehouse" / "bingewatch.duckdb", tables)
    target_path = scratch / "target"
    env = dict(os.environ)
    env.update(
        {
            "BINGEWATCH_DATA_DIR": str(scratch),
            "BINGEWATCH_DBT_TARGET": "duckdb",
            # Fixed values: a stable environment keeps dbt's partial parse valid between runs.
            "BINGEWATCH_RUN_START": "2000-01-01",
            "BINGEWATCH_RUN_END": "2000-01-01",
            "DBT_TARGET_PATH": str(target_path),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DBT_USE_COLORS": "False",
        }
    )
    args = [
        _dbt(),
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--select",
        # Published tables dbt builds are models; the snapshot's own record is a source.
        *(f"source:published.{table}" if table in SOURCE_TABLES else table for table in tables),
    ]
    dbt_started = time.monotonic()
    proc = subprocess.run(args, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=False)
    dbt_s = round(time.monotonic() - dbt_started, 3)
    static = target_path / "static_index.html"
    if proc.returncode != 0 or not static.is_file():
        log.warning("dbt docs generate failed (exit %s):\n%s", proc.returncode, proc.stdout[-3000:])
        return {
            "status": "failed",
            "path": None,
            "duration_s": dbt_s,
            "dbt_s": dbt_s,
            "error": proc.stdout[-1000:],
        }
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    tmp = page.with_name(f".{page.name}.tmp")
    tmp.write_text(make_offline(static.read_text(encoding="utf-8")), encoding="utf-8")
    tmp.replace(page)
    shutil.rmtree(scratch / "warehouse", ignore_errors=True)  # empty tables; rebuilt when needed
    state = {
        "fingerprint": print_,
        "path": str(page),
        "tables": tables,
        "columns": len(schema),
        "dbt_s": dbt_s,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    state_path.write_text(json.dumps(state, indent=2))
    return {**state, "status": "written", "duration_s": round(time.monotonic() - started, 3)}

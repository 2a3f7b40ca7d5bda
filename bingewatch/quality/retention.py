"""Retention of GX validation results and Data Docs: only the last N arrival dates are kept.

GX stores every validation result (``audit/gx_validations/<suite>/<run name>/<run time>/``)
and Data Docs renders one page per result (``reports/data_docs/validations/<suite>/<run
name>/...``); neither is ever pruned by GX. Run names start with the arrival date
(``runner.run_name``), so retention keeps the results and pages of the newest
``BINGEWATCH_GX_KEEP_RUNS`` arrival dates (default 60, the report's trend window) and deletes
the rest, before Data Docs rebuild their index (which then lists only what is kept).

A run name that does not start with a date (``__none__``: results stored before runs were
named) is deleted too: those results predate the suites that never sample viewer keys, so they
are the ones that might still hold a key of an erased viewer.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import date
from pathlib import Path

from bingewatch.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_KEEP_RUNS = 60


def keep_runs() -> int:
    """How many arrival dates of GX results and Data Docs to keep (at least 1)."""
    value = os.environ.get("BINGEWATCH_GX_KEEP_RUNS")
    return max(int(value), 1) if value else DEFAULT_KEEP_RUNS


def _run_date(run_name: str) -> date | None:
    try:
        return date.fromisoformat(run_name[:10])
    except ValueError:
        return None


def _run_folders(root: Path) -> list[Path]:
    """``<root>/<suite>/<run name>`` folders."""
    if not root.is_dir():
        return []
    return [run for suite in root.iterdir() if suite.is_dir() for run in suite.iterdir() if run.is_dir()]


def prune_gx_runs(settings: Settings, keep: int | None = None) -> list[str]:
    """Delete GX results and Data Docs pages outside the newest ``keep`` arrival dates.

    Returns the removed folders (relative to the data directory), newest first. Suite folders
    left empty are removed too.
    """
    keep = keep_runs() if keep is None else keep
    roots = [settings.audit_dir / "gx_validations", settings.reports_dir / "data_docs" / "validations"]
    folders = [folder for root in roots for folder in _run_folders(root)]
    dates = sorted({d for d in (_run_date(f.name) for f in folders) if d is not None}, reverse=True)
    kept = set(dates[:keep])
    removed = []
    for folder in sorted(folders, key=lambda f: f.name, reverse=True):
        if _run_date(folder.name) in kept:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(str(folder.relative_to(settings.data_dir)))
        if folder.parent.is_dir() and not any(folder.parent.iterdir()):
            folder.parent.rmdir()
    if removed:
        log.info("GX retention: removed %d run folder(s) outside the last %d dates", len(removed), keep)
    return removed

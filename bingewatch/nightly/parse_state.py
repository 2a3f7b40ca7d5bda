"""dbt's parse state, shared between data directories.

dbt keeps what it parsed in its target path (``partial_parse.msgpack``) and, on the next
command, re-parses only what changed; with no state it parses the whole project, 3-4 s on top
of its 1-1.5 s start-up. Each data directory has its own target path, so every new one (a
fresh deployment, a test, a benchmark repeat, a copy) paid that full parse on its first build.

Nothing dbt parses depends on the data directory on the duckdb target (its paths are relative
to dbt's working directory, the data directory: dbt_project/profiles.yml), so the state one
directory's build left is valid for another. ``seed`` gives a directory without state the last
one any build left (``keep``); dbt checks a seed as it checks its own state (project files,
profile, vars, dbt version) and parses again whatever no longer matches, so a stale or foreign
seed costs a parse, never a wrong result. The shared copy lives in dbt's default target folder
of the project, ``dbt_project/target/`` (never committed), or in BINGEWATCH_DBT_PARSE_STATE_DIR
(for a read-only project folder); where neither can be written, nothing is shared.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from bingewatch.settings import DBT_PROJECT_DIR

log = logging.getLogger(__name__)

PARSE_STATE = "partial_parse.msgpack"


def shared_state(target: str) -> Path:
    """The parse state shared by every data directory's builds on ``target``."""
    folder = os.environ.get("BINGEWATCH_DBT_PARSE_STATE_DIR") or DBT_PROJECT_DIR / "target"
    return Path(folder) / f"partial_parse.{target}.msgpack"


def seed(target_dir: Path, target: str) -> bool:
    """Give ``target_dir`` the shared parse state when it has none; True when it was given."""
    own, shared = target_dir / PARSE_STATE, shared_state(target)
    if own.exists() or not shared.exists():
        return False
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        _copy_atomically(shared, own)
    except OSError as error:
        log.debug("no shared dbt parse state for %s: %s", target_dir, error)
        return False
    return True


def keep(target_dir: Path, target: str) -> None:
    """Share the parse state the build in ``target_dir`` just left (the newest wins)."""
    own, shared = target_dir / PARSE_STATE, shared_state(target)
    try:
        if not own.exists() or (shared.exists() and shared.stat().st_mtime_ns >= own.stat().st_mtime_ns):
            return
        shared.parent.mkdir(parents=True, exist_ok=True)
        _copy_atomically(own, shared)
    except OSError as error:
        log.debug("dbt parse state not shared from %s: %s", target_dir, error)


def _copy_atomically(source: Path, destination: Path) -> None:
    """Copy, then rename into place: a reader sees the old file or the whole new one."""
    handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    os.close(handle)
    try:
        shutil.copy2(source, temporary)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

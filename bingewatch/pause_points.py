"""Named points where a run can be held, so a test can act at an exact moment (kill a task
between the models and the ledger commit, start a second writer while the first holds the
lock) without sleeping and hoping.

Off unless ``BINGEWATCH_PAUSE_AT`` names the point, or ``$BINGEWATCH_PAUSE_DIR/<point>.armed``
exists (for processes whose environment a test cannot set, such as a running scheduler's task
workers): then the process writes ``$BINGEWATCH_PAUSE_DIR/<point>.reached`` (its pid) and waits
until ``<point>.release`` exists or the point is disarmed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT = "BINGEWATCH_PAUSE_AT"
PAUSE_DIR = "BINGEWATCH_PAUSE_DIR"


def pause_point(name: str) -> None:
    """Hold here while a test has asked to (see the module docstring); return at once otherwise."""
    folder = Path(os.environ[PAUSE_DIR]) if os.environ.get(PAUSE_DIR) else None
    named = os.environ.get(PAUSE_AT) == name
    armed = folder is not None and (folder / f"{name}.armed").exists()
    if not (named or armed):
        return
    folder = folder or Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.reached").write_text(str(os.getpid()), encoding="utf-8")
    release = folder / f"{name}.release"
    while not release.exists() and (named or (folder / f"{name}.armed").exists()):
        time.sleep(0.05)

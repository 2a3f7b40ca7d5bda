"""Where bingewatch keeps its files, and the secrets it needs, read from the environment.

Every path hangs off one data directory: ``BINGEWATCH_DATA_DIR``, default
``./data``. Nothing here touches the disk; callers create what they write.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# A development-only pseudonym key. It is public (it is in this file), so a run only uses it
# when BINGEWATCH_ALLOW_DEV_KEY=1 says so explicitly; `make run` and the tests do.
DEV_PSEUDONYM_KEY = "bingewatch-development-key-not-secret"


class ConfigError(Exception):
    """A user-facing configuration mistake: reported without a traceback."""


@dataclass(frozen=True)
class Settings:
    """Resolved locations under one data directory."""

    data_dir: Path

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike | None = None) -> Settings:
        """Build settings from an explicit data dir, else BINGEWATCH_DATA_DIR, else ./data."""
        raw = data_dir or os.environ.get("BINGEWATCH_DATA_DIR") or "data"
        return cls(Path(raw).expanduser().resolve())

    # --- inputs -------------------------------------------------------------------------
    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def events_dir(self) -> Path:
        return self.raw_dir / "playback_events"

    def events_partition(self, received_date: date) -> Path:
        """The folder holding one arrival date's raw events."""
        return self.events_dir / f"received_date={received_date.isoformat()}"

    # --- the writer's side ----------------------------------------------------------------
    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file dbt writes; only the nightly run opens it."""
        return self.warehouse_dir / "bingewatch.duckdb"

    @property
    def viewer_keys_path(self) -> Path:
        """profile_id -> viewer_key mapping, recomputed each run (internal, like raw)."""
        return self.warehouse_dir / "viewer_keys.parquet"

    @property
    def audit_dir(self) -> Path:
        """Where the candidate publication is built and validated before the swap."""
        return self.data_dir / "audit"

    # --- the readers' side ----------------------------------------------------------------
    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def published_path(self) -> Path:
        """The snapshot analysts open read-only; replaced atomically on each publication."""
        return self.published_dir / "bingewatch.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def runs_dir(self) -> Path:
        """Per-run records (validation results, accounting) the report is built from."""
        return self.data_dir / "runs"

    def run_dir(self, received_date: date) -> Path:
        return self.runs_dir / received_date.isoformat()


def pseudonym_key() -> str:
    """The secret behind viewer_key; refuses to run without one unless the dev key is chosen."""
    key = os.environ.get("BINGEWATCH_PSEUDONYM_KEY")
    if key:
        return key
    if os.environ.get("BINGEWATCH_ALLOW_DEV_KEY") == "1":
        return DEV_PSEUDONYM_KEY
    raise ConfigError(
        "BINGEWATCH_PSEUDONYM_KEY is not set. Set it to a secret, or set "
        "BINGEWATCH_ALLOW_DEV_KEY=1 to use the public development key (never in production)."
    )


def dbt_target() -> str:
    """The profiles.yml output to build: BINGEWATCH_DBT_TARGET, default duckdb."""
    return os.environ.get("BINGEWATCH_DBT_TARGET", "duckdb")


def dbt_target_dir(settings: Settings) -> Path:
    """dbt's target path (compiled SQL, partial-parse state, run results) for the current target.

    Each target keeps its own, so switching targets never invalidates the other's parse state.
    """
    target = dbt_target()
    return settings.warehouse_dir / ("dbt_target" if target == "duckdb" else f"dbt_target_{target}")

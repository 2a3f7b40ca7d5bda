"""Test-wide environment: Airflow, dbt and GX point at throwaway homes, telemetry is off.

Set before anything imports airflow (its configuration is read at import time).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="bingewatch-airflow-home-"))
_PROJECT_ROOT = Path(__file__).resolve().parent.parent

os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(_PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "BINGEWATCH_PSEUDONYM_KEY": "bingewatch-test-key",
    }
)
os.environ.pop("BINGEWATCH_DATA_DIR", None)
os.environ.pop("BINGEWATCH_ALLOW_DEV_KEY", None)

TEST_KEY = os.environ["BINGEWATCH_PSEUDONYM_KEY"]

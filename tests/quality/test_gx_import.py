"""GX is first imported by a checkpoint run with its unused scipy.stats deferred (a quarter of
GX's import time): a fresh process, as every Airflow task and `bingewatch run` is."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FIRST_CHECKPOINT = textwrap.dedent(
    """
    import json, sys
    from bingewatch.quality.runner import run_checkpoint
    from bingewatch.settings import Settings
    try:
        run_checkpoint(Settings.from_env(sys.argv[1]), "no_such_checkpoint", {}, {})
    except Exception as error:
        failure = type(error).__name__
    print(json.dumps({
        "gx_imported": "great_expectations" in sys.modules,
        "scipy_stats": type(sys.modules["scipy.stats"]).__name__ if "scipy.stats" in sys.modules else None,
        "failure": failure,
    }))
    """
)


def test_a_checkpoint_run_imports_gx_with_scipy_stats_deferred(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", FIRST_CHECKPOINT, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["gx_imported"] and seen["failure"], seen  # GX loaded, then the unknown checkpoint
    assert seen["scipy_stats"] == "_LazyModule", seen

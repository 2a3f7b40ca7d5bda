"""GX is first imported by a checkpoint run with its unused scipy.stats and altair deferred (a
third of GX's import time): a fresh process, as every Airflow task and `bingewatch run` is. A
deferred module loads, whole, on its first use."""

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
        "deferred": {
            name: type(sys.modules[name]).__name__ if name in sys.modules else None
            for name in ("scipy.stats", "altair")
        },
        "narwhals": "narwhals" in sys.modules,
        "failure": failure,
    }))
    """
)


def test_a_checkpoint_run_imports_gx_with_its_unused_modules_deferred(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", FIRST_CHECKPOINT, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["gx_imported"] and seen["failure"], seen  # GX loaded, then the unknown checkpoint
    assert seen["deferred"] == {"scipy.stats": "DeferredModule", "altair": "DeferredModule"}, seen
    assert not seen["narwhals"], "nothing under altair was imported"


FIRST_USE = textwrap.dedent(
    """
    import json, sys
    from bingewatch.quality.runner import DeferredModule, defer_import
    defer_import("colorsys")
    defer_import("xml.dom.minidom")
    import colorsys as c            # an import statement alone loads nothing
    from xml.dom import minidom
    before = [type(sys.modules[n]).__name__ for n in ("colorsys", "xml.dom.minidom")]
    hls = c.rgb_to_hls(1.0, 0.0, 0.0)
    document = minidom.parseString("<a/>").documentElement.tagName
    print(json.dumps({
        "before": before,
        "after": [isinstance(sys.modules[n], DeferredModule) for n in ("colorsys", "xml.dom.minidom")],
        "hls": hls,
        "tag": document,
        "parent_attribute_is_real": not isinstance(sys.modules["xml.dom"].minidom, DeferredModule),
    }))
    """
)


def test_a_deferred_module_loads_on_first_use_and_then_answers_as_itself():
    result = subprocess.run([sys.executable, "-c", FIRST_USE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["before"] == ["DeferredModule", "DeferredModule"], seen
    assert seen["after"] == [False, False], seen
    assert seen["hls"] == [0.0, 0.5, 1.0] and seen["tag"] == "a", seen
    assert seen["parent_attribute_is_real"], seen

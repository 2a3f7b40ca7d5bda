"""The committed GX files: every expectation says whether it blocks and why."""

from __future__ import annotations

import json

from bingewatch.quality.suites import CHECKPOINTS, suite_specs
from bingewatch.settings import EXPECTATIONS_DIR


def test_every_expectation_has_severity_and_reason():
    suites = list((EXPECTATIONS_DIR / "expectations").glob("*.json"))
    assert {p.stem for p in suites} == set(suite_specs())
    names = set()
    for path in suites:
        for expectation in json.loads(path.read_text())["expectations"]:
            meta = expectation["meta"]
            assert meta["severity"] in ("blocking", "warning"), (path.name, expectation)
            assert meta["reason"].strip(), (path.name, expectation)
            assert meta["name"] not in names, meta["name"]
            names.add(meta["name"])


def test_committed_files_match_the_authoring_module():
    for path in (EXPECTATIONS_DIR / "expectations").glob("*.json"):
        committed = sorted(e["meta"]["name"] for e in json.loads(path.read_text())["expectations"])
        authored = sorted(meta["name"] for _, _, meta in suite_specs()[path.stem]["expectations"])
        assert committed == authored, f"rerun python -m bingewatch.quality.suites ({path.name})"
    for name, suites in CHECKPOINTS.items():
        checkpoint = json.loads((EXPECTATIONS_DIR / "checkpoints" / f"{name}.json").read_text())
        assert len(checkpoint["validation_definitions"]) == len(suites)


def test_docs_cover_every_expectation():
    from bingewatch.settings import PROJECT_ROOT

    docs = (PROJECT_ROOT / "docs" / "data_quality.md").read_text()
    for spec in suite_specs().values():
        for _, _, meta in spec["expectations"]:
            assert f"`{meta['name']}`" in docs, meta["name"]

"""A reader holding read-only connections to the published file during publishes is never
blocked and never sees a mix of two publications."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import duckdb

from bingewatch.nightly.publish import PublishRefused, publish

READER = textwrap.dedent("""
    import json, sys, time
    import duckdb
    path, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]
    import os
    seen, errors, reads, slowest = set(), [], 0, 0.0
    while not os.path.exists(stop):
        started = time.monotonic()
        try:
            with duckdb.connect(path, read_only=True) as con:
                a = con.execute("select min(version), max(version), count(*) from viewer_days").fetchone()
                b = con.execute("select min(version), max(version) from run_accounting").fetchone()
            if not (a[0] == a[1] == b[0] == b[1]) or a[2] != 1000 * a[0]:
                errors.append(f"mixed snapshot: {a} {b}")
            if a[0] not in seen:  # tell the test which publication this reader has seen
                open(f"{out}.seen-{a[0]}", "w").close()
            seen.add(a[0])
        except Exception as error:
            errors.append(repr(error))
        slowest = max(slowest, time.monotonic() - started)
        reads += 1
    json.dump({"seen": sorted(seen), "errors": errors[:20], "reads": reads,
               "slowest_s": slowest}, open(out, "w"))
""")


def _version_file(path, version: int) -> None:
    """A publication where every row of every table carries its version number."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            f"create table viewer_days as select {version} as version, i from range({1000 * version}) as t(i)"
        )
        con.execute(f"create table run_accounting as select {version} as version")


def _wait_for(sentinel, reader, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not sentinel.exists():
        assert reader.poll() is None, "the reader ended early"
        assert time.monotonic() < deadline, f"the reader never saw {sentinel.name}"
        time.sleep(0.01)


def test_reader_never_blocked_nor_mixed(settings, tmp_path):
    _version_file(tmp_path / "candidate-v1.duckdb", 1)
    publish(settings, tmp_path / "candidate-v1.duckdb", require_audit=False)
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.published_path), str(stop), str(out)]
    )
    try:
        # Each publication only once the reader has read the one before: no sleeping and hoping.
        for version in range(2, 7):
            _wait_for(out.with_name(f"{out.name}.seen-{version - 1}"), reader)
            candidate = tmp_path / f"candidate-v{version}.duckdb"
            _version_file(candidate, version)
            publish(settings, candidate, require_audit=False)
        _wait_for(out.with_name(f"{out.name}.seen-6"), reader)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    result = json.loads(out.read_text())
    assert result["errors"] == []
    assert result["reads"] >= 6
    assert result["seen"] == [1, 2, 3, 4, 5, 6], result  # it really read across publications
    assert result["slowest_s"] < 2.0  # never blocked behind the publisher
    assert not list(settings.published_dir.glob(".*incoming*"))


def test_unaudited_candidate_is_refused(settings, tmp_path):
    candidate = settings.audit_dir / "candidate-2026-03-10.duckdb"
    candidate.parent.mkdir(parents=True)
    _version_file(candidate, 1)
    try:
        publish(settings, candidate)
    except PublishRefused as refused:
        assert "no passing mart audit" in str(refused)
    else:
        raise AssertionError("published without an audit")
    assert not settings.published_path.exists()

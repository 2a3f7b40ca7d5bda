"""Each corruption injected into the candidate blocks publication, names the failed
expectation (exception and report), and leaves the previous publication byte-identical."""

from __future__ import annotations

import hashlib
import shutil
from datetime import timedelta

import duckdb
import pytest
from quality_fixtures import RUN_DATE, VIEWERS, build_warehouse, viewer_key

from bingewatch.nightly.publish import PublishRefused, publish
from bingewatch.nightly.stage_candidate import stage_candidate
from bingewatch.nightly.validate_marts import validate_marts
from bingewatch.nightly.write_report import write_report
from bingewatch.quality import QualityGateFailed
from bingewatch.settings import Settings

pytestmark = pytest.mark.slow

NEXT_DATE = RUN_DATE + timedelta(days=1)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def first_night(tmp_path_factory):
    """A first, clean night: staged, audited and published (built once per module)."""
    settings = Settings(tmp_path_factory.mktemp("first_night") / "data")
    build_warehouse(settings.warehouse_path)
    candidate = stage_candidate(settings, RUN_DATE)
    summary = validate_marts(settings, candidate, RUN_DATE)
    assert summary["success"], summary
    publish(settings, candidate)
    return settings


@pytest.fixture
def published(settings, first_night):
    """A private copy of the first night's data dir; returns its published file."""
    shutil.copytree(first_night.data_dir, settings.data_dir)
    return settings.published_path


def _next_night(settings, corruption_sql: list[str]):
    """The next night's warehouse (one more day of data), then the corruption."""
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(
            "insert into viewer_days by name select viewer_key, time_zone, "
            "activity_date + 1 as activity_date, day_length_s, watch_time_s, attended_s, unattended_s, "
            "night_watch_s, longest_continuous_s, sessions, titles_started, episodes_completed, "
            "distinct_series, devices, first_play_at + interval 1 day as first_play_at, "
            "last_play_at + interval 1 day as last_play_at from viewer_days where activity_date = ?",
            [RUN_DATE],
        )
        con.execute("insert into run_accounting values (?, 500, 480, 10, 10)", [NEXT_DATE])
        con.execute("insert into quarantine_reasons values (?, 'null_key', 10)", [NEXT_DATE])
        for statement in corruption_sql:
            con.execute(statement)


CORRUPTIONS = {
    "duplicate_key": (
        ["insert into viewer_days select * from viewer_days limit 1"],
        "viewer_days.key_unique",
    ),
    "watch_time_above_day_length": (
        [
            "update viewer_days set watch_time_s = 90000, attended_s = 89400 "
            "where rowid = (select min(rowid) from viewer_days)"
        ],
        "viewer_days.watch_time_within_day",
    ),
    "everyone_notable": (
        [
            f"insert into notable_viewers select distinct viewer_key, 'watch_hours_7d', null, 80, "
            f"70, date '{NEXT_DATE}', date '{NEXT_DATE - timedelta(days=6)}' from viewer_days"
        ],
        "notable_share.within_bound",
    ),
    "profile_id_leaked": (
        [
            "alter table viewer_days add column profile_id varchar",
            "update viewer_days set profile_id = 'prof-1'",
        ],
        "published.no_direct_identifiers",
    ),
    "row_count_collapse": (
        [f"delete from viewer_days where activity_date < date '{RUN_DATE}'"],
        "viewer_days.no_row_count_collapse",
    ),
    "accounting_does_not_add_up": (
        [f"update run_accounting set clean_rows = clean_rows + 7 where received_date = date '{NEXT_DATE}'"],
        "run_accounting.rows_reconcile",
    ),
    "raw_identifier_as_viewer_key": (
        ["update viewer_days set viewer_key = 'prof-1' where rowid = (select min(rowid) from viewer_days)"],
        "viewer_days.viewer_key_is_pseudonym",
    ),
    "unknown_rule": (
        [
            f"update notable_viewers set rule = 'binge_o_meter' "
            f"where activity_date = date '{RUN_DATE}' and rule = 'title_streak'"
        ],
        "notable_viewers.rule_allowed",
    ),
    "small_public_group": (
        ["insert into public_title_streaks values ('Obscure Show', 2)"],
        "public_title_streaks.min_group_size",
    ),
    # The warehouse reconciliation (tonight's recompute scope of the intermediate tables).
    "viewer_day_total_drifts": (
        [
            f"update int_viewer_days_aggregated set watch_ms = watch_ms + 1000 "
            f"where profile_id = 'prof-3' and activity_date = date '{RUN_DATE}'"
        ],
        "warehouse.sessions_reconcile_with_viewer_days",
    ),
    "segment_lost": (
        [
            "delete from int_viewing_segments_split where playback_session_id = 's-0-midnight' "
            f"and activity_date = date '{RUN_DATE}'"
        ],
        "warehouse.sessions_reconcile_with_viewer_days",
    ),
    "viewer_day_without_segments": (
        [f"insert into int_viewer_days_aggregated values ('prof-5', 60000, date '{NEXT_DATE}')"],
        "warehouse.sessions_reconcile_with_viewer_days",
    ),
    "intermediate_table_missing": (
        ["drop table int_viewing_segments_split"],
        "warehouse.sessions_reconcile_with_viewer_days",
    ),
}


def test_clean_night_publishes(settings, published):
    import json

    summary = json.loads((settings.run_dir(RUN_DATE) / "marts.json").read_text())
    assert summary["success"] and summary["checked"] >= 40 and not summary["blocking_failures"]
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from viewer_days").fetchone()[0] == VIEWERS * 5
    assert not list(settings.audit_dir.glob("*.wal"))


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corruption_blocks_publication(settings, published, corruption):
    statements, expected_name = CORRUPTIONS[corruption]
    before = sha256(published)
    _next_night(settings, statements)
    candidate = stage_candidate(settings, NEXT_DATE)

    with pytest.raises(QualityGateFailed) as failure:
        validate_marts(settings, candidate, NEXT_DATE)
    assert expected_name in str(failure.value)
    assert expected_name in failure.value.record["blocking_failures"]

    # The DAG would stop here; even if publish were called, it refuses the failed candidate.
    with pytest.raises(PublishRefused):
        publish(settings, candidate)
    assert sha256(published) == before

    page = write_report(settings, NEXT_DATE).read_text()
    assert expected_name in page
    assert "Nothing published" in page


def test_reconciliation_names_the_mismatches(settings, published):
    """Both levels are reported, with the session or day that does not add up."""
    import json

    _next_night(settings, CORRUPTIONS["segment_lost"][0])
    candidate = stage_candidate(settings, NEXT_DATE)
    with pytest.raises(QualityGateFailed):
        validate_marts(settings, candidate, NEXT_DATE)
    record = json.loads((settings.run_dir(NEXT_DATE) / "marts.json").read_text())
    check = next(c for c in record["checks"] if c["name"] == "warehouse.sessions_reconcile_with_viewer_days")
    assert check["observed_value"] == 2  # the session and the viewer-day it fed
    rows = {(r["level"], r["item"]): r for r in check["unexpected_rows"]}
    session = rows[("session", f"session starting {RUN_DATE - timedelta(days=1)}")]
    assert (session["expected_ms"], session["observed_ms"]) == (7_200_000, 3_600_000)
    day = rows[("viewer_day", str(RUN_DATE))]
    assert day["expected_ms"] + 3_600_000 == day["observed_ms"]
    # Named by level and date only: no viewer key, profile or session id in the record (GX's
    # stored results and the report keep these rows, and an erasure does not rewrite them).
    assert all(set(r) == {"level", "item", "expected_ms", "observed_ms"} for r in rows.values())
    text = json.dumps(record)
    assert viewer_key(0) not in text and "prof-0" not in text and "s-0-midnight" not in text


def test_reconciliation_only_reads_the_recompute_scope(settings, published):
    """A mismatch on a day the run did not recompute is not tonight's business (and not read)."""
    old_day = RUN_DATE - timedelta(days=3)
    _next_night(
        settings,
        [
            f"update int_viewer_days_aggregated set watch_ms = watch_ms + 1000 "
            f"where activity_date = date '{old_day}'"
        ],
    )
    candidate = stage_candidate(settings, NEXT_DATE)
    summary = validate_marts(settings, candidate, NEXT_DATE)
    assert summary["success"], summary


def test_recomputed_viewer_days_volume_warns(settings, published):
    import json

    from bingewatch.records import write_json

    first = json.loads((settings.run_dir(RUN_DATE) / "marts.json").read_text())
    assert first["viewer_days_recomputed"] == VIEWERS * 2 + 0  # 2 recomputed days, 40 viewers
    for back in range(1, 4):
        write_json(
            settings.run_dir(RUN_DATE - timedelta(days=back)) / "marts.json",
            {"viewer_days_recomputed": 10_000},
        )
    _next_night(settings, [])
    candidate = stage_candidate(settings, NEXT_DATE)
    summary = validate_marts(settings, candidate, NEXT_DATE)
    assert summary["success"]
    assert "warehouse.viewer_days_volume_vs_recent_runs" in summary["warning_failures"]
    # The last run's 80 is part of the median of (10000, 10000, 10000, 80): still far off.
    assert summary["recomputed_volume_bounds"]["recent_median"] == 10_000


def test_candidate_changed_after_audit_is_refused(settings, published):
    _next_night(settings, [])
    candidate = stage_candidate(settings, NEXT_DATE)
    validate_marts(settings, candidate, NEXT_DATE)
    before = sha256(published)
    with duckdb.connect(str(candidate)) as con:
        con.execute("delete from notable_viewers")
    with pytest.raises(PublishRefused):
        publish(settings, candidate)
    assert sha256(published) == before


def test_second_clean_night_replaces_publication(settings, published):
    _next_night(settings, [])
    candidate = stage_candidate(settings, NEXT_DATE)
    validate_marts(settings, candidate, NEXT_DATE)
    publish(settings, candidate)
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        assert con.execute("select max(activity_date) from viewer_days").fetchone()[0] == NEXT_DATE
    # The older candidate is pruned (erasures must not survive in retained copies).
    assert sorted(p.name for p in settings.audit_dir.glob("candidate-*")) == [candidate.name]


def test_stage_candidate_is_fresh_and_needs_the_tables(settings):
    warehouse = build_warehouse(settings.warehouse_path)
    first = stage_candidate(settings, RUN_DATE)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from notable_viewers")
    second = stage_candidate(settings, RUN_DATE)
    assert first == second
    with duckdb.connect(str(second), read_only=True) as con:
        assert con.execute("select count(*) from notable_viewers").fetchone()[0] == 0
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table run_accounting")
    with pytest.raises(LookupError, match="run_accounting"):
        stage_candidate(settings, RUN_DATE)


def test_missing_candidate_fails_with_a_record(settings):
    with pytest.raises(QualityGateFailed, match="candidate.exists"):
        validate_marts(settings, settings.audit_dir / "candidate-2026-03-10.duckdb", RUN_DATE)
    assert (settings.run_dir(RUN_DATE) / "marts.json").is_file()


def test_the_gate_tests_run_on_the_published_contract(tmp_path):
    """The fixture warehouse these tests publish from has the contract's tables, columns and
    types (bingewatch.contract): a gate test passing on some other shape would prove nothing."""
    from bingewatch.contract import MART_DDL, PUBLISHED_TABLES

    path = build_warehouse(tmp_path / "w.duckdb", viewers=3, days=2)
    with duckdb.connect(str(path), read_only=True) as con:
        for table in PUBLISHED_TABLES:
            described = con.execute(f"describe {table}").fetchall()
            assert ", ".join(f"{name} {type_.lower()}" for name, type_, *_ in described) == MART_DDL[table]
        assert con.execute("select count(*) from viewer_days").fetchone()[0] == 3 * 2


def test_a_household_with_two_notable_viewers_of_four_publishes(tmp_path):
    """The notable-share bound needs a population: an imported household of four with two
    notable viewers (50 %) is not a bug that flags everyone; below 10 active viewers the share
    is not checked."""
    settings = Settings(tmp_path / "data")
    build_warehouse(settings.warehouse_path, viewers=4)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("delete from notable_viewers")
        for i in (0, 1):  # two of four active viewers: 50 %
            con.execute(
                "insert into notable_viewers values (?, 'marathon', null, 13, 12, ?, ?)",
                [viewer_key(i), RUN_DATE, RUN_DATE],
            )
    candidate = stage_candidate(settings, RUN_DATE)
    summary = validate_marts(settings, candidate, RUN_DATE)
    assert summary["success"], summary["blocking_failures"]

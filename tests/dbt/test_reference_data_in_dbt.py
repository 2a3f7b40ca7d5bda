"""Bad reference rows through a real dbt build: set aside with a reason, everyone else's night goes on."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from bingewatch.nightly.dbt_build import DbtBuildFailed, build_batch
from bingewatch.pseudonyms import viewer_key
from bingewatch.settings import Settings, pseudonym_key

pytestmark = pytest.mark.slow

DAY = date(2026, 3, 2)
BAD_ZONE = "planted-tv-1"  # a profile with events tonight
NULL_ZONE = "planted-binger-1"
UNKNOWN_OPT_OUT = "planted-marathon-1"  # notable tonight (a marathon) when the flag is known


@pytest.fixture(scope="module")
def generated(tmp_path_factory, cli):
    data_dir = tmp_path_factory.mktemp("reference-tiny")
    cli("generate", "--scale", "tiny", "--days", "1", "--start", DAY.isoformat(), data_dir=data_dir)
    return data_dir


@pytest.fixture
def data_dir(generated, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(generated, target)
    return target


def _rewrite(folder, sql: str) -> None:
    """Replace the folder's single Parquet file by `sql` over it (`src`)."""
    (path,) = folder.glob("*.parquet")
    tmp = path.with_name("rewritten.tmp")
    with duckdb.connect() as con:
        con.execute(f"create view src as select * from '{path}'")
        con.execute(f"copy ({sql}) to '{tmp}' (format parquet)")
    tmp.replace(path)


def _busiest_title(data_dir) -> str:
    with duckdb.connect() as con:
        return con.execute(
            f"select title_id from '{data_dir}/raw/playback_events/*/*.parquet' where title_id like 'tt-%' "
            "and title_id not like 'tt-unknown-%' group by 1 order by count(*) desc, 1 limit 1"
        ).fetchone()[0]


def _events(data_dir, where: str) -> int:
    with duckdb.connect() as con:
        return con.execute(
            f"select count(*) from '{data_dir}/raw/playback_events/*/*.parquet' where {where}"
        ).fetchone()[0]


def test_bad_reference_rows_are_quarantined_with_their_reason_and_the_night_goes_on(data_dir):
    title = _busiest_title(data_dir)
    profiles, titles = data_dir / "raw" / "profiles", data_dir / "raw" / "titles"
    _rewrite(
        profiles,
        "select profile_id, account_id, "
        f"case profile_id when '{BAD_ZONE}' then 'Mars/Olympus' when '{NULL_ZONE}' then null "
        "else time_zone end as time_zone, country, created_at, "
        f"case when profile_id = '{UNKNOWN_OPT_OUT}' then null else analytics_opt_out end "
        "as analytics_opt_out "
        "from src",
    )
    # The same profiles file delivered twice: exact duplicates, collapsed.
    shutil.copy(next(profiles.glob("*.parquet")), profiles / "profiles-again.parquet")
    _rewrite(
        titles,
        f"select * replace (case when title_id = '{title}' then null else runtime_s end as runtime_s) "
        "from src",
    )

    settings = Settings.from_env(data_dir)
    build_batch(settings, DAY, "test-run", echo=None)

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        reasons = dict(con.execute("select reason, rows from quarantine_reasons").fetchall())
        raw, clean, duplicates, quarantined = con.execute(
            "select raw_rows, clean_rows, duplicate_rows, quarantined_rows from run_accounting"
        ).fetchone()
        notable = {row[0] for row in con.execute("select viewer_key from notable_viewers").fetchall()}
        viewers = con.execute("select count(distinct viewer_key) from viewer_days").fetchone()[0]
    bad_profiles = f"profile_id in ('{BAD_ZONE}', '{NULL_ZONE}')"
    assert reasons["invalid_profile_time_zone"] == _events(data_dir, bad_profiles)
    assert reasons["title_without_runtime"] == _events(
        data_dir, f"title_id = '{title}' and not {bad_profiles}"
    )
    assert "unknown_title" not in reasons or reasons["unknown_title"] < reasons["title_without_runtime"]
    assert raw == clean + duplicates + quarantined
    assert viewers > 20, "every other viewer's night went on"
    assert viewer_key(UNKNOWN_OPT_OUT, pseudonym_key()) not in notable, "unknown is never consent"
    summary = (settings.run_dir(DAY) / "reference.json").read_text()
    assert '"exact_duplicates_collapsed": 58' in summary


def test_conflicting_profile_rows_block_at_once_naming_the_ids(data_dir):
    profiles = data_dir / "raw" / "profiles"
    original = shutil.copy(next(profiles.glob("*.parquet")), data_dir / "profiles-original.parquet")
    _rewrite(
        profiles,
        "select * replace (case when profile_id = 'planted-tv-1' then 'JP' else country end as country) "
        "from src",
    )
    shutil.move(original, profiles / "profiles-again.parquet")
    with pytest.raises(
        DbtBuildFailed, match=r"conflicting profiles rows: 1 profile_id\(s\).*planted-tv-1"
    ) as failure:
        build_batch(Settings.from_env(data_dir), DAY, "test-run", echo=None)
    assert failure.value.retryable is False


@pytest.mark.parametrize("folder", ["profiles", "titles", "erasure_requests"])
def test_a_missing_reference_folder_fails_at_once_with_its_path(data_dir, folder):
    shutil.rmtree(data_dir / "raw" / folder)
    with pytest.raises(DbtBuildFailed, match=f"folder {data_dir / 'raw' / folder} does not exist") as failure:
        build_batch(Settings.from_env(data_dir), DAY, "test-run", echo=None)
    assert failure.value.retryable is False

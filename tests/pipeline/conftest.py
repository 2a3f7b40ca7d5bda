"""Raw data, the four-date reference run and the catch-up run the arrivals tests share
(tests/pipeline/test_arrivals*.py). The raw data and the catch-up run are built once per session
whichever worker runs the files (tests/conftest.py's built_once): their users only read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from arrivals_fixtures import DATES, copy_raw, split_partition


@pytest.fixture(scope="session")
def raw(built_once, cli) -> Path:
    """Tiny raw data over four arrival dates, 2026-03-02 split in two files."""

    def build(data_dir: Path) -> None:
        cli("generate", "--scale", "tiny", "--days", "4", "--start", DATES[0], data_dir=data_dir)
        split_partition(data_dir)

    return built_once("arrivals-raw", build)


@pytest.fixture(scope="module")
def in_order(raw, tmp_path_factory, cli) -> Path:
    """The reference: one nightly run per arrival date, in order, every file there on time."""
    data_dir = copy_raw(raw, tmp_path_factory.mktemp("arrivals-in-order"))
    cli("run", "--each-date", "--start", DATES[0], "--end", DATES[-1], data_dir=data_dir)
    return data_dir


@pytest.fixture(scope="session")
def catch_up(raw, built_once, cli) -> tuple[Path, str]:
    """The same dates in one run (`bingewatch run` with no dates)."""

    def build(data_dir: Path) -> None:
        copy_raw(raw, data_dir)
        (data_dir / "run.stdout").write_text(cli("run", data_dir=data_dir).stdout)

    data_dir = built_once("arrivals-catch-up", build)
    return data_dir, (data_dir / "run.stdout").read_text()

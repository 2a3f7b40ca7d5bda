"""Raw data, the four-date reference run and the catch-up run the arrivals tests share
(tests/pipeline/test_arrivals*.py; module-scoped: each file that uses one builds it once)."""

from __future__ import annotations

from pathlib import Path

import pytest
from arrivals_fixtures import DATES, copy_raw, split_partition


@pytest.fixture(scope="module")
def raw(tmp_path_factory, cli) -> Path:
    """Tiny raw data over four arrival dates, 2026-03-02 split in two files."""
    data_dir = tmp_path_factory.mktemp("arrivals-raw")
    cli("generate", "--scale", "tiny", "--days", "4", "--start", DATES[0], data_dir=data_dir)
    split_partition(data_dir)
    return data_dir


@pytest.fixture(scope="module")
def in_order(raw, tmp_path_factory, cli) -> Path:
    """The reference: one nightly run per arrival date, in order, every file there on time."""
    data_dir = copy_raw(raw, tmp_path_factory.mktemp("arrivals-in-order"))
    cli("run", "--each-date", "--start", DATES[0], "--end", DATES[-1], data_dir=data_dir)
    return data_dir


@pytest.fixture(scope="module")
def catch_up(raw, tmp_path_factory, cli) -> tuple[Path, str]:
    """The same dates in one run (`bingewatch run` with no dates)."""
    data_dir = copy_raw(raw, tmp_path_factory.mktemp("arrivals-catch-up"))
    result = cli("run", data_dir=data_dir)
    return data_dir, result.stdout

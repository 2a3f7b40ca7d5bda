"""Steps of the nightly run that are neither dbt, quality gates nor publishing."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from bingewatch.quality.gates import describe_partition
from bingewatch.settings import Settings


class RawPartitionMissing(Exception):
    """The arrival date's raw partition did not appear in time."""


def wait_for_raw_partition(
    settings: Settings, received_date: date, *, timeout_s: float, poke_interval_s: float = 30.0
) -> Path:
    """Return the partition folder once it holds Parquet files; raise after timeout_s."""
    partition = settings.events_partition(received_date)
    deadline = time.monotonic() + timeout_s
    while True:
        if partition.is_dir() and any(partition.glob("*.parquet")):
            return partition
        if time.monotonic() >= deadline:
            if partition.is_dir():  # an empty folder is not a missing one: say which
                raise RawPartitionMissing(
                    f"raw partition for arrival date {received_date} holds no Parquet file after "
                    f"waiting {timeout_s:.0f}s: {describe_partition(partition)}; nothing was published"
                )
            raise RawPartitionMissing(
                f"raw partition for arrival date {received_date} not found at {partition} "
                f"after waiting {timeout_s:.0f}s: upstream data is missing; nothing was published"
            )
        time.sleep(min(poke_interval_s, max(0.0, deadline - time.monotonic())))

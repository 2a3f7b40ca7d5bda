"""Great Expectations quality gates for bingewatch (write-audit-publish).

The checks of the two gates live in ``gates`` (pre-checks, the GX run, the record, the
blocking decision); the nightly steps that run them are ``bingewatch.nightly.validate_raw_batch``
(before dbt, on the batch's Parquet files) and ``bingewatch.nightly.validate_marts`` (on the
candidate publication). Every expectation is pushed down as SQL on DuckDB (through SQLAlchemy,
with the small GX/DuckDB workaround in ``_gx_duckdb``); each gate writes its record to
``runs/<D>/`` and raises ``QualityGateFailed`` on a blocking failure. Suites live as committed
files under ``expectations/`` (authored in ``suites.py``, written by ``write_context.py``).
"""

from bingewatch.quality.gates import QualityGateFailed

__all__ = ["QualityGateFailed"]

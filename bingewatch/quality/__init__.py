"""Great Expectations quality gates for bingewatch (write-audit-publish).

``validate_raw_batch`` runs before dbt on the arrival date's Parquet partition;
``validate_marts`` runs on the candidate publication. Both push every expectation down as SQL
on DuckDB (through SQLAlchemy, with the small GX/DuckDB workaround in ``_gx_duckdb``), write
their record to ``runs/<D>/`` and raise ``QualityGateFailed`` on a blocking failure.
Suites live as committed files under ``expectations/`` (authored in ``suites.py``).
"""

from bingewatch.quality.gates import QualityGateFailed, validate_marts, validate_raw_batch

__all__ = ["QualityGateFailed", "validate_marts", "validate_raw_batch"]

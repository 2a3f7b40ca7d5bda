"""The GX 1.x / DuckDB connection workaround, small and version-guarded.

GX's ``SqlAlchemyExecutionEngine.execute_query`` opens a connection in a ``with`` block and
returns the cursor result after the block has closed it. DuckDB (through duckdb-engine) drops
the result set with the connection, so every metric comes back empty and every expectation
"fails" with no observed value (upstream issues #10738 and #11579; a native DuckDB engine is
proposed in PR #12084). GX already keeps one persisted connection for sqlite, mssql, bigquery
and databricks; this adds the ``duckdb`` dialect to that behaviour and nothing else.

The patch is only applied to GX versions known to have the bug (``_AFFECTED``). On any other
version it is skipped with a warning, and ``tests/quality/test_gx_duckdb_workaround.py`` then
tells whether GX fixed it (the test asserts that known bad data fails with observed values).
"""

from __future__ import annotations

import logging
import weakref
from contextlib import contextmanager

log = logging.getLogger(__name__)

# Versions known to need the patch (checked on 1.24.1). Widen only after re-running the test.
_AFFECTED = (">=1.0", "<1.25")
_applied = False
# Execution engines holding a persisted DuckDB connection, so a run can release its files.
_open_engines: weakref.WeakSet = weakref.WeakSet()


def _version_is_affected(version: str) -> bool:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    return Version(version) in SpecifierSet(",".join(_AFFECTED))


def apply() -> bool:
    """Patch GX once so DuckDB engines keep one open connection; returns whether it is active."""
    global _applied
    if _applied:
        return True
    import great_expectations
    from great_expectations.execution_engine.sqlalchemy_execution_engine import (
        SqlAlchemyExecutionEngine,
    )

    if not _version_is_affected(great_expectations.__version__):
        log.warning(
            "great_expectations %s is outside %s: DuckDB connection workaround not applied",
            great_expectations.__version__,
            _AFFECTED,
        )
        return False

    original = SqlAlchemyExecutionEngine.get_connection

    @contextmanager
    def get_connection(self):  # type: ignore[no-untyped-def]
        if self.dialect_name != "duckdb":
            with original(self) as connection:
                yield connection
            return
        # One connection per execution engine, kept open so results stay readable after the
        # `with` block in execute_query; closed by close_engine() when the run is done.
        if self._connection is None or self._connection.closed:
            self._connection = self.engine.connect()
            # DuckDB draws progress bars on stdout even without a terminal: not in task logs.
            self._connection.exec_driver_sql("set enable_progress_bar = false")
            _open_engines.add(self)
        try:
            yield self._connection
        except Exception:
            # DuckDB aborts the whole transaction on any error; without a rollback every later
            # metric on this shared connection would fail with "transaction is aborted".
            self._connection.rollback()
            raise

    SqlAlchemyExecutionEngine.get_connection = get_connection  # type: ignore[method-assign]
    _applied = True
    return True


def close_all() -> None:
    """Close every persisted DuckDB connection and dispose its pool (releases the files)."""
    for execution_engine in list(_open_engines):
        close_engine(execution_engine)
        _open_engines.discard(execution_engine)


def close_engine(execution_engine) -> None:  # type: ignore[no-untyped-def]
    """Close one engine's persisted connection and dispose its pool."""
    connection = getattr(execution_engine, "_connection", None)
    if connection is not None and not connection.closed:
        connection.close()
    execution_engine._connection = None
    engine = getattr(execution_engine, "engine", None)
    if engine is not None and hasattr(engine, "dispose"):
        engine.dispose()

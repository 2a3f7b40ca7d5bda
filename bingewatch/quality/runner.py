"""Open the committed GX file context for one run, run a checkpoint, flatten the results.

Run-specific locations reach the context as ``runtime_environment`` substitutions
(``${bingewatch_candidate_url}`` and friends in expectations/great_expectations.yml), so the
committed files never change at run time.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import re
import sys
import time
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bingewatch.quality import _gx_duckdb, _gx_severity_docs
from bingewatch.quality.data_docs import make_data_docs_offline
from bingewatch.settings import EXPECTATIONS_DIR, Settings

log = logging.getLogger(__name__)

_QUIET_LOGGERS = ["great_expectations", "great_expectations.expectations.metrics.util"]


# Modules GX imports at import time only for expectations our suites never use; each loads on
# first use instead (``defer_import``). Measured in one process each, GX's import on 2 cores:
# ``scipy.stats`` (KL divergence, two KS tests) about 1.5 s of 5 s; ``altair`` (the KL
# divergence's charts) and narwhals under it about 0.3-0.5 s of the rest.
DEFERRED_IMPORTS = ("scipy.stats", "altair")


def quiet_gx() -> None:
    """Telemetry off, GX's chatty loggers down to errors, its unused imports deferred (before GX
    is imported)."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    for name in DEFERRED_IMPORTS:
        defer_import(name)


class DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module not loaded yet: the first attribute it does not
    have (a function, a class, ``__path__``) imports the real module, which then replaces it
    in ``sys.modules`` and answers from then on.

    Unlike importlib's LazyLoader, the import statement's own check of a module already in
    ``sys.modules`` (its ``__spec__``) does not load it: ``import altair as alt`` stays cheap.
    """

    def __getattr__(self, attribute: str) -> Any:
        name = self.__spec__.name
        if sys.modules.get(name) is self:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attribute)


def defer_import(name: str) -> None:
    """Put a ``DeferredModule`` for ``name`` in ``sys.modules`` (and on its parent package), so
    it loads only if something uses it. No-op if it is loaded already or not installed."""
    if name in sys.modules:
        return
    parent, _, child = name.rpartition(".")
    if parent:
        importlib.import_module(parent)
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    module = DeferredModule(name)
    module.__spec__ = spec
    sys.modules[name] = module
    if parent:
        setattr(sys.modules[parent], child, module)


def runtime_environment(settings: Settings | None, **urls: str) -> dict[str, str]:
    """Substitutions for great_expectations.yml: result and Data Docs folders, DuckDB URLs."""
    if settings is None:
        base = EXPECTATIONS_DIR / "uncommitted"
        results, docs = base / "validations", base / "data_docs" / "local_site"
    else:
        results = settings.audit_dir / "gx_validations"
        docs = settings.reports_dir / "data_docs"
    env = {
        "bingewatch_gx_results_dir": f"{results}/",
        "bingewatch_data_docs_dir": f"{docs}/",
        "bingewatch_raw_batch_url": "duckdb:///:memory:",
        "bingewatch_candidate_url": "duckdb:///:memory:",
        "bingewatch_warehouse_url": "duckdb:///:memory:",
        "bingewatch_figures_url": "duckdb:///:memory:",
    }
    env.update(urls)
    return env


def duckdb_url(path: Path) -> str:
    """SQLAlchemy URL for a DuckDB file (opened read-only through the datasource kwargs)."""
    return f"duckdb:///{Path(path).resolve()}"


def open_context(environment: dict[str, str]):  # type: ignore[no-untyped-def]
    """The file context under expectations/, with the DuckDB workaround applied."""
    quiet_gx()
    import great_expectations as gx

    _gx_duckdb.apply()
    _gx_severity_docs.apply()
    defaults = runtime_environment(None)
    defaults.update(environment)
    return gx.get_context(mode="file", context_root_dir=str(EXPECTATIONS_DIR), runtime_environment=defaults)


def run_name(received_date: str) -> str:
    """GX run name of a validation: the arrival date and the run id, path- and URL-safe.

    The run id is Airflow's (``AIRFLOW_CTX_DAG_RUN_ID``, exported to every task's environment),
    else ``BINGEWATCH_RUN_ID``, else ``manual``. Data Docs list validations by this name, and
    retention (bingewatch.quality.retention) reads the date back from its first 10 characters.
    """
    run_id = os.environ.get("AIRFLOW_CTX_DAG_RUN_ID") or os.environ.get("BINGEWATCH_RUN_ID") or "manual"
    return f"{received_date}_{_UNSAFE.sub('-', run_id)}"[:120]


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def run_checkpoint(
    settings: Settings,
    checkpoint_name: str,
    urls: dict[str, str],
    expectation_parameters: dict[str, Any],
    build_docs: bool | None = None,
    timings: dict[str, float] | None = None,
    *,
    received_date: str | None = None,
    only: list[str] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Run one committed checkpoint; returns (flat list of checks, Data Docs index or None).

    ``received_date`` names the GX run (``run_name``); ``only``, if given, runs just those of
    the checkpoint's validation definitions (the anomaly suites with enough history), each
    stored under the same run id as a checkpoint run would.
    ``timings``, if given, receives seconds spent opening the context (``context_s``: the GX
    import, about 5 s, when it is the process's first), running the checkpoint
    (``checkpoint_s``: the SQL) and building Data Docs (``data_docs_s``).
    """
    timings = {} if timings is None else timings
    started = time.monotonic()
    context = open_context(runtime_environment(settings, **urls))
    # After open_context, which quiets GX and defers its unused imports before GX loads.
    from great_expectations.core.run_identifier import RunIdentifier

    checkpoint = context.checkpoints.get(checkpoint_name)
    timings["context_s"] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    run_id = RunIdentifier(
        run_name=run_name(received_date) if received_date else None,
        run_time=datetime.now(UTC),
    )
    try:
        if only is None:
            result = checkpoint.run(expectation_parameters=expectation_parameters, run_id=run_id)
            run_results = result.run_results
        else:
            run_results = _run_some(checkpoint, only, expectation_parameters, run_id)
    finally:
        # Release the DuckDB files: the candidate is published (or replaced) next.
        _gx_duckdb.close_all()
        for datasource in context.data_sources.all().values():
            engine = getattr(datasource, "_engine", None)
            if engine is not None:
                engine.dispose()
    checks = []
    for validation in run_results.values():
        for expectation_result in validation.results:
            checks.append(_flatten(validation.suite_name, expectation_result))
    timings["checkpoint_s"] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    docs_index = None
    if build_docs is None:  # BINGEWATCH_DATA_DOCS=0 skips them (fast tests); default on
        build_docs = os.environ.get("BINGEWATCH_DATA_DOCS", "1") != "0"
    from bingewatch.quality.retention import prune_gx_runs

    try:  # old runs' results go first (with or without Data Docs), so GX's index lists the kept
        prune_gx_runs(settings)
    except OSError:
        log.exception("pruning old GX results failed")
    if build_docs:
        try:
            # Only this run's results are rendered (plus the index): cost stays flat over runs.
            context.build_data_docs(resource_identifiers=list(run_results.keys()))
            docs_dir = settings.reports_dir / "data_docs"
            make_data_docs_offline(docs_dir, settings.audit_dir / "gx_validations")
            docs_index = str(docs_dir / "index.html")
        except Exception:  # Data Docs are a convenience: never let them decide the gate.
            log.exception("building Data Docs failed")
        timings["data_docs_s"] = round(time.monotonic() - started, 3)
    return checks, docs_index


def _run_some(checkpoint, names: list[str], parameters: dict[str, Any], run_id) -> dict:  # type: ignore[no-untyped-def]
    """Run some of a checkpoint's validation definitions as the checkpoint would (same result
    format, checkpoint id and result keys), without saving anything to the committed files."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    results = {}
    for definition in checkpoint.validation_definitions:
        if definition.name not in names:
            continue
        result = definition.run(
            checkpoint_id=checkpoint.id,
            expectation_parameters=parameters,
            result_format=checkpoint.result_format,
            run_id=run_id,
        )
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=definition.suite.name),
            run_id=run_id,
            batch_identifier=result.batch_id,
        )
        results[key] = result
    return results


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _exception_message(exception_info: Any) -> str | None:
    if not exception_info:
        return None
    infos = [exception_info]
    if "raised_exception" not in exception_info:  # keyed by metric id
        infos = [v for v in exception_info.values() if isinstance(v, dict)]
    messages = [i.get("exception_message") for i in infos if i.get("raised_exception")]
    return "; ".join(str(m) for m in messages if m) or None


def _severity(config: Any) -> str:
    severity = getattr(config, "severity", None)
    return str(getattr(severity, "value", severity) or "critical")


def _flatten(suite_name: str, expectation_result: Any) -> dict[str, Any]:
    config = expectation_result.expectation_config
    meta = dict(config.meta or {})
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    result = expectation_result.result or {}
    details = result.get("details") or {}
    unexpected_rows = details.get("unexpected_rows") if isinstance(details, dict) else None
    return _jsonable(
        {
            "suite": suite_name,
            "name": meta.get("name") or f"{suite_name}.{config.type}",
            "expectation_type": config.type,
            "column": kwargs.get("column")
            or kwargs.get("column_list")
            or ([kwargs["column_A"], kwargs["column_B"]] if "column_A" in kwargs else None),
            # GX's own severity field (critical, warning, info); critical is GX's default too.
            "severity": _severity(config),
            "reason": meta.get("reason", ""),
            "success": bool(expectation_result.success),
            "observed_value": result.get("observed_value"),
            "element_count": result.get("element_count"),
            "unexpected_count": result.get("unexpected_count"),
            "unexpected_percent": result.get("unexpected_percent"),
            "partial_unexpected_list": (result.get("partial_unexpected_list") or [])[:10],
            "unexpected_rows": (unexpected_rows or [])[:10],
            "exception": _exception_message(expectation_result.exception_info),
        }
    )

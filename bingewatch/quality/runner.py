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
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bingewatch.quality import _gx_duckdb, _gx_severity_docs
from bingewatch.settings import EXPECTATIONS_DIR, Settings

log = logging.getLogger(__name__)

_QUIET_LOGGERS = ["great_expectations", "great_expectations.expectations.metrics.util"]


def quiet_gx() -> None:
    """Telemetry off, GX's chatty loggers down to errors, its unused imports deferred (before GX
    is imported)."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    defer_import("scipy.stats")


def defer_import(name: str) -> None:
    """Register ``name`` as a module that loads on first attribute access (importlib's LazyLoader).

    GX imports ``scipy.stats`` at import time for three expectations (KL divergence, two KS
    tests) that our suites never use; loading it is over a quarter of GX's import (about 1.5 s
    of 5 s on 2 cores). Deferred, it loads only if one of those expectations runs.
    """
    if name in sys.modules:
        return
    parent, _, child = name.rpartition(".")
    if parent:
        importlib.import_module(parent)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
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
    from great_expectations.core.run_identifier import RunIdentifier

    timings = {} if timings is None else timings
    started = time.monotonic()
    context = open_context(runtime_environment(settings, **urls))
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


_REMOTE_TAG = re.compile(
    r"<link[^>]+href=\"https?://[^\"]+\"[^>]*>"
    r"|<script[^>]+src=\"https?://[^\"]+\"[^>]*>\s*</script>"
    r"|<img[^>]+src=\"https?://[^\"]+\"[^>]*>",
    re.IGNORECASE,
)
_REMOTE_URL = re.compile(r"url\(\s*['\"]?https?://[^)]*\)", re.IGNORECASE)
_ASSETS = Path(__file__).resolve().parent.parent / "report_assets"
_OFFLINE_CSS = _ASSETS / "data_docs_offline.css"
# Bootstrap 4 is the one CDN dependency of GX's pages that is vendored (MIT, from Debian's
# libjs-bootstrap4 4.6.1; GX itself ships only its small default stylesheet, already inlined,
# plus fonts and images under static/). GX asks for 4.3.1; 4.6.1 is the same major version.
_BOOTSTRAP_CSS = _ASSETS / "vendor" / "bootstrap-4.6.1.min.css"
_OFFLINE_MARKER = "<!-- bingewatch-offline -->"
# The index's validation list is a bootstrap-table filled by a script from a literal array.
_BOOTSTRAP_TABLE = re.compile(
    r"<table\s+id=\"(?P<id>[^\"]+)\"(?P<attrs>[^>]*)>\s*</table>\s*"
    r"(?P<helpers><script>(?:(?!</script>).)*</script>\s*)?"
    r"<script>\s*\$\('#(?P=id)'\)\.bootstrapTable\(\s*Object\.assign\(\s*\{\s*"
    r"columns:\s*(?P<columns>\[.*?\]),\s*data:\s*(?P<data>\[.*?\]),\s*toolbar:.*?</script>",
    re.DOTALL,
)
_TOOLBAR = re.compile(r"<div\s+id=\"[^\"]*-table-toolbar\"[^>]*>.*?</div>", re.DOTALL)


def _warnings_only_result(results_dir: Path | None, link: str | None) -> bool:
    """Whether the stored result behind an index row failed on warnings only.

    The page ``validations/<suite>/<run>/<time>/<batch>.html`` renders the result stored at
    ``<results_dir>/<suite>/<run>/<time>/<batch>.json``.
    """
    if results_dir is None or not link or not link.startswith("validations/"):
        return False
    path = results_dir / (link[len("validations/") :].rsplit(".html", 1)[0] + ".json")
    try:
        import json

        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return not result.get("success") and _gx_severity_docs.warnings_only(result.get("results") or [])


def _static_bootstrap_tables(html: str, results_dir: Path | None = None) -> str:
    """Render GX's script-built tables (the index's list of validations) as plain HTML.

    Each row links to its validation page (GX does it with a click handler). Rows come
    newest first, as GX sorts them. A validation that failed on warnings only (GX severity
    ``warning``/``info``) gets the amber warning icon, not the red failure mark. A table whose
    script no longer matches this pattern (another GX version) is left alone;
    tests/quality/test_rendering.py would then fail.
    """
    import ast

    def render(match: re.Match) -> str:
        try:
            columns = ast.literal_eval(match["columns"])
            rows = ast.literal_eval(match["data"])
        except (ValueError, SyntaxError):
            log.warning("Data Docs: could not read the table data of %s", match["id"])
            return match[0]
        rows.sort(key=lambda row: row.get("_run_time_sort") or 0, reverse=True)
        head = "".join(f"<th>{column.get('title', column['field'])}</th>" for column in columns)
        body = []
        for row in rows:
            link = row.get("_table_row_link_path")
            warning = _warnings_only_result(results_dir, link)
            cells = []
            for column in columns:
                value = str(row.get(column["field"], "")).strip()
                if column["field"] == "expectation_suite_name":
                    # GX links the suite page, which bingewatch does not render: link the result.
                    value = row.get("_expectation_suite_name_sort", value)
                    value = f'<a href="{link}">{value}</a>' if link else value
                if warning and column["field"] == "validation_success":
                    value = (
                        value.replace("fa-times", "fa-exclamation-triangle")
                        .replace("text-danger", "text-warning")
                        .replace("ge-failed-icon", "ge-warning-icon")
                    )
                cells.append(f"<td>{value}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        return (
            f'<table id="{match["id"]}" class="table table-sm '
            'ge-index-page-validation-results-table">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )

    html = _BOOTSTRAP_TABLE.sub(render, html)
    return _TOOLBAR.sub("", html)  # "Clear Filters" needs bootstrap-table


_LOCAL_LINK = re.compile(r"<a\s[^>]*href=\"(?P<href>[^\"#:]+\.html)\"[^>]*>(?P<text>.*?)</a>", re.DOTALL)


_LOCAL_LINK_TAG = re.compile(r"<link\s[^>]*href=\"(?P<href>[^\"#:]+)\"[^>]*>")


def _unlink_missing(html: str, page_dir: Path) -> str:
    """Local links to pages that were never built (GX links each suite's page; bingewatch
    renders validation results only) become plain text instead of dead links; ``<link>`` tags
    to missing files go (GX points validation pages' favicon one folder too high)."""

    def keep_or_unlink(match: re.Match) -> str:
        return match[0] if (page_dir / match["href"]).is_file() else f"<span>{match['text']}</span>"

    def keep_or_drop(match: re.Match) -> str:
        return match[0] if (page_dir / match["href"]).is_file() else ""

    return _LOCAL_LINK_TAG.sub(keep_or_drop, _LOCAL_LINK.sub(keep_or_unlink, html))


def make_data_docs_offline(docs_dir: Path, results_dir: Path | None = None) -> int:
    """Make GX Data Docs render styled with no network; returns pages rewritten.

    GX's pages load Bootstrap, bootstrap-table, jQuery, Vega and Font Awesome from CDNs and a
    logo that carries the context id: offline that means unstyled pages (and a call home when
    online). Here: remote tags are dropped; the vendored Bootstrap CSS is copied to
    ``static/styles/`` and linked relatively; a small stylesheet is inlined for what the
    scripts and the icon font would have done (pass/fail icons as inline SVG, open
    collapsibles, table styling); the index's script-built list of validations becomes a
    static table; links to pages GX never built (suite pages) become text. Pages already
    rewritten (the marker) are skipped.
    """
    css = _OFFLINE_CSS.read_text(encoding="utf-8")
    styles_dir = docs_dir / "static" / "styles"
    styles_dir.mkdir(parents=True, exist_ok=True)
    bootstrap = styles_dir / _BOOTSTRAP_CSS.name
    if not bootstrap.is_file() or bootstrap.stat().st_size != _BOOTSTRAP_CSS.stat().st_size:
        shutil.copyfile(_BOOTSTRAP_CSS, bootstrap)
    rewritten = 0
    for page in docs_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if _OFFLINE_MARKER in html:
            continue
        html = _REMOTE_URL.sub("none", _REMOTE_TAG.sub("", html))
        html = _unlink_missing(_static_bootstrap_tables(html, results_dir), page.parent)
        # Bootstrap first (GX's own inline styles follow it, as online), the supplement last.
        href = Path(os.path.relpath(bootstrap, page.parent)).as_posix()
        html = re.sub(r"<head>", f'<head>\n<link rel="stylesheet" href="{href}">', html, count=1)
        html = html.replace("</head>", f"{_OFFLINE_MARKER}<style>{css}</style></head>", 1)
        page.write_text(html, encoding="utf-8")
        rewritten += 1
    for stylesheet in docs_dir.rglob("*.css"):  # GX's own CSS pulls a background from S3
        css_text = stylesheet.read_text(encoding="utf-8")
        if _REMOTE_URL.search(css_text):
            stylesheet.write_text(_REMOTE_URL.sub("none", css_text), encoding="utf-8")
    return rewritten

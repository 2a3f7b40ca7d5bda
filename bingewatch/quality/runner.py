"""Open the committed GX file context for one run, run a checkpoint, flatten the results.

Run-specific locations reach the context as ``runtime_environment`` substitutions
(``${bingewatch_candidate_url}`` and friends in expectations/great_expectations.yml), so the
committed files never change at run time.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from bingewatch.quality import _gx_duckdb
from bingewatch.settings import EXPECTATIONS_DIR, Settings

log = logging.getLogger(__name__)

_QUIET_LOGGERS = ["great_expectations", "great_expectations.expectations.metrics.util"]


def quiet_gx() -> None:
    """Telemetry off and GX's chatty loggers down to errors (before GX is imported)."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


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
    defaults = runtime_environment(None)
    defaults.update(environment)
    return gx.get_context(mode="file", context_root_dir=str(EXPECTATIONS_DIR), runtime_environment=defaults)


def run_checkpoint(
    settings: Settings,
    checkpoint_name: str,
    urls: dict[str, str],
    expectation_parameters: dict[str, Any],
    build_docs: bool | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Run one committed checkpoint; returns (flat list of checks, Data Docs index or None).

    ``timings``, if given, receives seconds spent opening the context (``context_s``: the GX
    import, about 5 s, when it is the process's first), running the checkpoint
    (``checkpoint_s``: the SQL) and building Data Docs (``data_docs_s``).
    """
    timings = {} if timings is None else timings
    started = time.monotonic()
    context = open_context(runtime_environment(settings, **urls))
    checkpoint = context.checkpoints.get(checkpoint_name)
    timings["context_s"] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    try:
        result = checkpoint.run(expectation_parameters=expectation_parameters)
    finally:
        # Release the DuckDB files: the candidate is published (or replaced) next.
        _gx_duckdb.close_all()
        for datasource in context.data_sources.all().values():
            engine = getattr(datasource, "_engine", None)
            if engine is not None:
                engine.dispose()
    checks = []
    for validation in result.run_results.values():
        for expectation_result in validation.results:
            checks.append(_flatten(validation.suite_name, expectation_result))
    timings["checkpoint_s"] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    docs_index = None
    if build_docs is None:  # BINGEWATCH_DATA_DOCS=0 skips them (fast tests); default on
        build_docs = os.environ.get("BINGEWATCH_DATA_DOCS", "1") != "0"
    if build_docs:
        try:
            # Only this run's results are rendered (plus the index): cost stays flat over runs.
            context.build_data_docs(resource_identifiers=list(result.run_results.keys()))
            docs_dir = settings.reports_dir / "data_docs"
            make_data_docs_offline(docs_dir)
            docs_index = str(docs_dir / "index.html")
        except Exception:  # Data Docs are a convenience: never let them decide the gate.
            log.exception("building Data Docs failed")
        timings["data_docs_s"] = round(time.monotonic() - started, 3)
    return checks, docs_index


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
            "severity": meta.get("severity", "blocking"),  # unmarked expectations block: safe side
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


def _static_bootstrap_tables(html: str) -> str:
    """Render GX's script-built tables (the index's list of validations) as plain HTML.

    Each row links to its validation page (GX does it with a click handler). Rows come
    newest first, as GX sorts them. A table whose script no longer matches this pattern
    (another GX version) is left alone; tests/quality/test_rendering.py would then fail.
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
            cells = []
            for column in columns:
                value = str(row.get(column["field"], "")).strip()
                if column["field"] == "expectation_suite_name":
                    # GX links the suite page, which bingewatch does not render: link the result.
                    value = row.get("_expectation_suite_name_sort", value)
                    value = f'<a href="{link}">{value}</a>' if link else value
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


def make_data_docs_offline(docs_dir: Path) -> int:
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
        html = _unlink_missing(_static_bootstrap_tables(html), page.parent)
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

"""Great Expectations Data Docs made to render offline: regular-expression rewrites of GX's HTML.

GX's pages load Bootstrap, bootstrap-table, jQuery, Vega and Font Awesome from CDNs; offline
they render unstyled, and online they call home. ``make_data_docs_offline`` rewrites the pages
GX just built (``bingewatch.quality.runner`` calls it after ``build_data_docs``);
tests/quality/test_rendering.py renders the result in a headless browser.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from bingewatch.quality import _gx_severity_docs

log = logging.getLogger(__name__)

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

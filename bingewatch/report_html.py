"""The HTML shell the run report and the personal pages share: escaping, and one self-contained
page with report_assets/report.css inlined (no network, opens from file://)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

CSS = Path(__file__).resolve().parent / "report_assets" / "report.css"


def escape(value: Any) -> str:
    """HTML-escaped text of a value (None is empty)."""
    return html.escape("" if value is None else str(value))


def page(title: str, body: str) -> str:
    """A whole page: doctype, title, the inlined stylesheet, the body."""
    css = CSS.read_text(encoding="utf-8")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{escape(title)}</title>"
        f"<style>{css}</style></head><body>{body}</body></html>"
    )

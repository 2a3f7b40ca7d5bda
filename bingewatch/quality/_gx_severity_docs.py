"""Data Docs that honour GX's own ``severity``: a warning is not drawn as a failure.

GX 1.10+ stores a ``severity`` (critical, warning, info) on every expectation and uses it in
checkpoint actions (``notify_on``), but its Data Docs renderers (1.24.1) still draw every failed
expectation with the red ``fa-times`` icon and every validation with a failure as "Failed".
A night whose only failures are warnings would look broken although nothing blocked.

Two renderer hooks are wrapped, nothing else:

* the per-expectation status icon (``renderer.diagnostic.status_icon``, registered per
  expectation type): a failed expectation whose severity is not ``critical`` and that did not
  error gets the amber ``fa-exclamation-triangle`` (markdown ⚠️);
* the validation page header (``ValidationResultsPageRenderer._render_validation_header``):
  "Failed" becomes "Warnings only" with the amber icon when no critical expectation failed.

The index page's icons are set by ``data_docs.make_data_docs_offline`` from the stored results
(the index renderer only receives a success flag). Version-guarded like ``_gx_duckdb``: on a
GX outside ``_SUPPORTED`` nothing is patched (a warning is logged) and
tests/quality/test_rendering.py fails, which is the signal to look again.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

_SUPPORTED = (">=1.10", "<1.25")
_applied = False
STATUS_ICON = "renderer.diagnostic.status_icon"
WARNING_ICON = ["fas", "fa-exclamation-triangle", "text-warning"]
WARNING_HTML = '<i class="fas fa-exclamation-triangle text-warning" aria-hidden="true"></i>'


def warnings_only(results: list[Any]) -> bool:
    """True when some expectation failed and none of the failures is critical or an error."""
    failed = [r for r in results if not _get(r, "success")]
    return bool(failed) and all(not _blocks(r) for r in failed)


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def _blocks(result: Any) -> bool:
    """A failed result blocks when critical (GX's default) or when it errored (fails closed)."""
    config = _get(result, "expectation_config")
    severity = _get(config, "severity") if config is not None else None
    severity = str(getattr(severity, "value", severity) or "critical")
    info = _get(result, "exception_info") or {}
    if "raised_exception" not in info:  # keyed by metric id
        errored = any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())
    else:
        errored = bool(info.get("raised_exception"))
    return severity == "critical" or errored


def _version_supported(version: str) -> bool:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    return Version(version) in SpecifierSet(",".join(_SUPPORTED))


def apply() -> bool:
    """Wrap the two renderers once; returns whether the patch is active."""
    global _applied
    if _applied:
        return True
    import great_expectations
    import great_expectations.expectations  # noqa: F401  (registers the renderers)
    from great_expectations.expectations import registry
    from great_expectations.render.renderer.page_renderer import ValidationResultsPageRenderer

    if not _version_supported(great_expectations.__version__):
        log.warning(
            "great_expectations %s is outside %s: Data Docs severity icons not patched",
            great_expectations.__version__,
            _SUPPORTED,
        )
        return False

    def wrap_icon(renderer_fn):  # type: ignore[no-untyped-def]
        def status_icon(*args, **kwargs):  # type: ignore[no-untyped-def]
            content = renderer_fn(*args, **kwargs)
            result = kwargs.get("result")
            if result is not None and not result.success and not _blocks(result):
                template = content.string_template
                template["params"]["markdown_status_icon"] = "⚠️"
                template["styling"]["params"]["icon"]["classes"] = list(WARNING_ICON)
            return content

        status_icon._bingewatch_severity = True  # type: ignore[attr-defined]
        return status_icon

    for renderers in registry._registered_renderers.values():
        entry = renderers.get(STATUS_ICON)
        if entry and not getattr(entry[1], "_bingewatch_severity", False):
            renderers[STATUS_ICON] = (entry[0], wrap_icon(entry[1]))

    original_header = ValidationResultsPageRenderer._render_validation_header.__func__

    def _render_validation_header(cls, validation_results):  # type: ignore[no-untyped-def]
        header = original_header(cls, validation_results)
        if not validation_results.success and warnings_only(validation_results.results):
            params = header.subheader.string_template["params"]
            params["success"] = "Warnings only"
            params["html_success_icon"] = WARNING_HTML
        return header

    ValidationResultsPageRenderer._render_validation_header = classmethod(_render_validation_header)
    _applied = True
    return True

"""Failure alerts for the nightly DAG: always recorded and logged; sent when a channel is configured.

``on_task_failure`` is the DAG's ``on_failure_callback`` (a task's final failure, after retries).
Every alert is appended as one JSON line to ``DATA_DIR/alerts/alerts.jsonl`` and logged at
ERROR. Its text leads with one line (``headline``: which task failed, for which date, and why),
then the run and log link, then the details, cut to about 1,000 characters keeping the end.
When an Airflow connection ``bingewatch_alerts`` exists it is also sent:

* conn type ``http``/``https``: a JSON POST to ``extra.url``, else ``<type>://host[:port]/<schema>``
  (Slack/Teams/any incoming webhook; ``extra.headers`` are added to the request);
* conn type ``smtp``/``email``: a plain-text email from ``extra.from`` (default the login) to
  ``extra.to`` (comma-separated) through ``host:port`` (STARTTLS unless ``extra.starttls`` is false).

A callback must never hide the task's own failure: every error here is logged, never raised.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CONNECTION_ID = "bingewatch_alerts"
log = logging.getLogger("bingewatch.alerts")


def build_alert(context: dict[str, Any]) -> dict[str, Any]:
    """The facts an on-call engineer needs first, from an Airflow callback context."""
    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    exception = context.get("exception")
    error = f"{type(exception).__name__}: {exception}" if exception is not None else None
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "headline": headline(exception),
        "dag_id": getattr(ti, "dag_id", None),
        "run_id": getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None),
        "task_id": getattr(ti, "task_id", None),
        "arrival_date": context.get("ds"),
        "try_number": getattr(ti, "try_number", None),
        "error": _clip(error),
        "log_url": _safe(lambda: ti.log_url) if ti is not None else None,
    }


def record(alert: dict[str, Any], data_dir: Path) -> Path:
    """Append the alert to DATA_DIR/alerts/alerts.jsonl (the file an operator can tail or grep)."""
    path = data_dir / "alerts" / "alerts.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(alert, sort_keys=True) + "\n")
    return path


def format_text(alert: dict[str, Any]) -> str:
    """The headline first (what failed, for which date, and why, in one line), then the details."""
    lines = [
        f"bingewatch: {alert['dag_id']}.{alert['task_id']} failed for arrival date "
        f"{alert['arrival_date']}: {alert.get('headline') or alert['error']}",
        f"Run {alert['run_id']}, try {alert['try_number']}. Log: {alert['log_url']}",
    ]
    if alert["error"] and alert["error"] != alert.get("headline"):
        lines += ["", alert["error"]]
    return "\n".join(lines)


HEADLINE_CHARS = 240
DETAIL_CHARS = 1000
_ERROR_LINE = re.compile(r"\b(Error|Exception|failed|refused|missing|not found)\b", re.IGNORECASE)


def headline(exception: BaseException | None) -> str | None:
    """One line saying why: the exception type and the most useful line of its message.

    A message that is a heading followed by a list (a quality gate's failed expectations) gives
    the heading and the first item; a quoted traceback or tool output (dbt's last lines) gives
    its last line that names an error, since that is where the cause is, not at the top.
    """
    if exception is None:
        return None
    lines = [line.strip() for line in str(exception).splitlines() if line.strip()]
    name = type(exception).__name__
    if not lines:
        return name
    first = lines[0]
    if len(lines) > 1 and (first.startswith("Traceback") or first.endswith("said:")):
        cause = next((line for line in reversed(lines[1:]) if _ERROR_LINE.search(line)), lines[-1])
        text = f"{first} {cause}" if first.endswith("said:") else cause
    elif len(lines) > 1 and first.endswith(":"):
        text = f"{first} {lines[1].lstrip('- ')}" + (f" (+{len(lines) - 2} more)" if len(lines) > 2 else "")
    else:
        text = first
    text = f"{name}: {text}"
    return text if len(text) <= HEADLINE_CHARS else text[: HEADLINE_CHARS - 1] + "…"


def _clip(text: str | None) -> str | None:
    """Details for the alert body: the end is kept when something must go (causes come last)."""
    if text is None or len(text) <= DETAIL_CHARS:
        return text
    return text[: DETAIL_CHARS // 4] + "\n[…]\n" + text[-(DETAIL_CHARS * 3 // 4) :]


def send(alert: dict[str, Any], connection: Any) -> str:
    """Send the alert through the connection; return the channel used."""
    conn_type = (connection.conn_type or "").lower()
    extra = connection.extra_dejson or {}
    if conn_type in ("http", "https"):
        import httpx

        url = extra.get("url") or (
            f"{conn_type}://{connection.host}"
            + (f":{connection.port}" if connection.port else "")
            + (f"/{connection.schema.lstrip('/')}" if connection.schema else "")
        )
        payload = {"text": format_text(alert), "alert": alert}
        response = httpx.post(url, json=payload, headers=extra.get("headers") or {}, timeout=10)
        response.raise_for_status()
        return "webhook"
    if conn_type in ("smtp", "email"):
        import smtplib
        from email.message import EmailMessage

        message = EmailMessage()
        message["Subject"] = (
            f"[bingewatch] {alert['task_id']} failed for {alert['arrival_date']}: "
            + (alert.get("headline") or "")[:120]
        )
        message["From"] = extra.get("from") or connection.login or "bingewatch@localhost"
        message["To"] = extra["to"]
        message.set_content(format_text(alert))
        with smtplib.SMTP(connection.host, connection.port or 25, timeout=10) as smtp:
            if str(extra.get("starttls", True)).lower() not in ("false", "0"):
                smtp.starttls()
            if connection.login:
                smtp.login(connection.login, connection.password or "")
            smtp.send_message(message)
        return "email"
    raise ValueError(f"connection {CONNECTION_ID} has unsupported type {conn_type!r} (use http(s) or smtp)")


def lookup_connection(conn_id: str = CONNECTION_ID) -> Any | None:
    """The alert connection, or None when it is not configured."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def on_task_failure(
    context: dict[str, Any],
    *,
    connection_lookup: Callable[[], Any | None] = lookup_connection,
) -> dict[str, Any] | None:
    """Airflow on_failure_callback: record, log, and send when `bingewatch_alerts` is configured."""
    try:
        from bingewatch.settings import Settings

        alert = build_alert(context)
        connection = _safe(connection_lookup)
        alert["channel"] = "log"
        if connection is not None:
            try:
                alert["channel"] = send(alert, connection)
            except Exception as error:  # the alert is still recorded and logged below
                alert["channel"] = f"log (sending failed: {type(error).__name__}: {error})"
        log.error("ALERT %s", format_text(alert))
        record(alert, Settings.from_env(os.environ.get("BINGEWATCH_DATA_DIR")).data_dir)
        return alert
    except Exception:
        log.exception("bingewatch alert callback failed")
        return None


def _safe(getter: Callable[[], Any]) -> Any:
    try:
        return getter()
    except Exception:
        return None

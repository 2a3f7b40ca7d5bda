"""bingewatch.nightly.alerts: every final task failure is recorded and logged; sent when configured."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from bingewatch.nightly import alerts


def failure_context(exception: Exception | None = None) -> dict:
    ti = SimpleNamespace(
        dag_id="bingewatch_nightly",
        task_id="wait_for_raw_partition",
        run_id="scheduled__2026-03-02T00:00:00+00:00",
        try_number=1,
        log_url="http://airflow.example/log",
    )
    return {"ti": ti, "ds": "2026-03-02", "exception": exception or RuntimeError("partition missing")}


def connection(conn_type: str, **fields) -> SimpleNamespace:
    base = {"host": None, "port": None, "schema": None, "login": None, "password": None, "extra_dejson": {}}
    return SimpleNamespace(conn_type=conn_type, **{**base, **fields})


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BINGEWATCH_DATA_DIR", str(tmp_path))
    return tmp_path


def read_alerts(data_dir) -> list[dict]:
    return [json.loads(line) for line in (data_dir / "alerts" / "alerts.jsonl").read_text().splitlines()]


def test_without_a_connection_the_alert_is_recorded_and_logged(data_dir, caplog):
    with caplog.at_level("ERROR", logger="bingewatch.alerts"):
        alert = alerts.on_task_failure(failure_context(), connection_lookup=lambda: None)
    assert alert["channel"] == "log"
    [recorded] = read_alerts(data_dir)
    assert recorded["task_id"] == "wait_for_raw_partition"
    assert recorded["arrival_date"] == "2026-03-02"
    assert recorded["error"] == "RuntimeError: partition missing"
    assert recorded["log_url"] == "http://airflow.example/log"
    assert "wait_for_raw_partition failed for arrival date 2026-03-02" in caplog.text


def test_a_webhook_connection_receives_the_alert_as_json(data_dir):
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            received[-1]["_path"] = self.path
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = connection("http", host="127.0.0.1", port=server.server_port, schema="hooks/bingewatch")
        alert = alerts.on_task_failure(failure_context(), connection_lookup=lambda: conn)
    finally:
        server.shutdown()
    assert alert["channel"] == "webhook"
    [payload] = received
    assert payload["_path"] == "/hooks/bingewatch"
    assert payload["alert"]["task_id"] == "wait_for_raw_partition"
    assert "2026-03-02" in payload["text"]
    assert read_alerts(data_dir)[0]["channel"] == "webhook"


def test_an_smtp_connection_sends_an_email(data_dir, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append({"host": host, "port": port})

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent[-1]["tls"] = True

        def login(self, user, password):
            sent[-1]["login"] = user

        def send_message(self, message):
            sent[-1]["to"] = message["To"]
            sent[-1]["subject"] = message["Subject"]

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    conn = connection(
        "smtp",
        host="smtp.example",
        port=587,
        login="bot",
        password="x",
        extra_dejson={"to": "oncall@example.com"},
    )
    alert = alerts.on_task_failure(failure_context(), connection_lookup=lambda: conn)
    assert alert["channel"] == "email"
    assert sent == [
        {
            "host": "smtp.example",
            "port": 587,
            "tls": True,
            "login": "bot",
            "to": "oncall@example.com",
            "subject": "[bingewatch] wait_for_raw_partition failed for 2026-03-02: "
            "RuntimeError: partition missing",
        }
    ]


def test_a_broken_channel_never_hides_the_failure_and_is_still_recorded(data_dir):
    conn = connection("http", host="127.0.0.1", port=1)  # nothing listens on port 1
    alert = alerts.on_task_failure(failure_context(), connection_lookup=lambda: conn)
    assert alert["channel"].startswith("log (sending failed")
    assert len(read_alerts(data_dir)) == 1


def test_the_connection_is_looked_up_as_bingewatch_alerts(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_BINGEWATCH_ALERTS",
        json.dumps({"conn_type": "https", "extra": {"url": "https://x.example"}}),
    )
    conn = alerts.lookup_connection()
    assert conn.conn_type == "https"
    assert conn.extra_dejson["url"] == "https://x.example"
    monkeypatch.delenv("AIRFLOW_CONN_BINGEWATCH_ALERTS")
    assert alerts.lookup_connection() is None


def test_every_nightly_task_alerts_on_final_failure():
    from airflow.dag_processing.dagbag import DagBag

    from bingewatch.settings import PROJECT_ROOT

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["bingewatch_nightly"]
    for task in dag.tasks:
        callbacks = task.on_failure_callback
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        assert any(getattr(c, "__name__", "") == "_alert_on_failure" for c in callbacks), task.task_id


def test_an_alert_leads_with_one_line_that_says_why(data_dir):
    from bingewatch.quality.gates import QualityGateFailed

    gate = QualityGateFailed(
        "marts gate failed for 2026-03-02: 2 blocking expectation(s) failed (details: runs/x.json):\n"
        "  - viewer_days.key_unique (unexpected_rows_expectation; 3 unexpected row(s))\n"
        "  - notable_share.within_bound (observed 0.9)",
        {},
    )
    alert = alerts.on_task_failure(failure_context(gate), connection_lookup=lambda: None)
    first = alerts.format_text(alert).splitlines()[0]
    assert first == (
        "bingewatch: bingewatch_nightly.wait_for_raw_partition failed for arrival date 2026-03-02: "
        "QualityGateFailed: marts gate failed for 2026-03-02: 2 blocking expectation(s) failed "
        "(details: runs/x.json): viewer_days.key_unique (unexpected_rows_expectation; 3 unexpected row(s)) "
        "(+1 more)"
    )
    assert read_alerts(data_dir)[0]["headline"] == first.split(": ", 1)[1].split(": ", 1)[1]


def test_the_useful_line_of_quoted_tool_output_comes_first_and_the_details_are_cut(data_dir):
    noise = "\n".join(f"12:00:{i:02d}  Running with dbt=1.12.6 line {i} " + "x" * 60 for i in range(40))
    error = RuntimeError(
        f"dbt build failed for 2026-03-02..2026-03-02: dbt said:\n{noise}\n"
        "  Runtime Error: IO Error: No space left on device\n12:01:00  Done."
    )
    alert = alerts.on_task_failure(failure_context(error), connection_lookup=lambda: None)
    text = alerts.format_text(alert)
    assert text.splitlines()[0].endswith("dbt said: Runtime Error: IO Error: No space left on device")
    assert len(text.splitlines()[0]) <= 400
    assert len(alert["error"]) <= alerts.DETAIL_CHARS + 10
    assert alert["error"].rstrip().endswith("12:01:00  Done."), "the end of the details is kept"

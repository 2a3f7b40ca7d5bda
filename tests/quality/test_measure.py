"""bingewatch.quality.measure: validation's share of a run, from the run records."""

from __future__ import annotations

from datetime import date

from bingewatch.quality.measure import format_table, main, measure
from bingewatch.records import write_json


def _run(settings, day: date, start_s: int, raw_s: float, marts_s: float, end_s: int) -> None:
    base = f"{day.isoformat()}T01:00"
    run = settings.run_dir(day)
    write_json(
        run / "raw_batch.json",
        {
            "duration_s": raw_s,
            "started_at": f"{base}:{start_s:02d}.000+00:00",
            "finished_at": f"{base}:{start_s + int(raw_s):02d}+00:00",
            "row_count": 1000,
            "timings": {"context_s": 1.0, "checkpoint_s": raw_s - 1.5, "data_docs_s": 0.5},
        },
    )
    write_json(run / "stage.json", {"duration_s": 0.5, "finished_at": f"{base}:40+00:00"})
    write_json(
        run / "marts.json",
        {
            "duration_s": marts_s,
            "finished_at": f"{base}:{40 + int(marts_s):02d}+00:00",
            "viewer_days_recomputed": 80,
            "timings": {"context_s": 1.0},
        },
    )
    write_json(run / "publish.json", {"duration_s": 0.2, "published_at": f"{base}:{end_s:02d}+00:00"})


def test_share_of_the_run(settings, capsys):
    _run(settings, date(2026, 3, 2), 0, 4.0, 6.0, 50)
    _run(settings, date(2026, 3, 3), 10, 2.0, 3.0, 50)
    (settings.runs_dir / "not-a-run").mkdir()
    rows = measure(settings)
    assert [r["run"] for r in rows] == ["2026-03-02", "2026-03-03"]
    first, second = rows
    assert first["span_s"] == 50 and first["validation_s"] == 10 and first["validation_share"] == 0.2
    assert first["gx_startup_s"] == 2.0 and first["validation_share_without_gx_startup"] == 0.16
    assert second["span_s"] == 40 and second["validation_share"] == 0.125
    table = format_table(rows)
    assert "20.0%" in table and "12.5%" in table and "16.7%" in table  # 15 s of 90 s overall
    assert main([str(settings.data_dir)]) == 0
    assert "2026-03-03" in capsys.readouterr().out


def test_no_records(settings, capsys):
    assert main([str(settings.data_dir)]) == 1
    assert "no run records" in capsys.readouterr().err

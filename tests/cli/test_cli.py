"""User mistakes get a one-line error and exit status 2, without a traceback."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from bingewatch.cli import main


def test_help_lists_every_subcommand_with_its_purpose_and_each_has_a_handler(capsys):
    """A subcommand added without a handler, without a help line, or missing from --help."""
    from bingewatch.cli import COMMANDS, build_parser

    [subcommands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(subcommands.choices) == set(COMMANDS)
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for action in subcommands._choices_actions:
        assert action.help, action.dest
        assert f"{action.dest} {' '.join(action.help.split())}" in out, action.dest


def test_bad_date_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--start", "2026-13-40"])
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_missing_data_directory(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path / "nowhere"), "run"])
    assert code == 2
    err = capsys.readouterr().err
    assert "data directory not found" in err and "Traceback" not in err


def test_data_directory_without_raw_events(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "run"])
    assert code == 2
    assert "no raw playback events" in capsys.readouterr().err


def test_end_before_start(tmp_path, capsys):
    (tmp_path / "raw" / "playback_events" / "received_date=2026-03-02").mkdir(parents=True)
    code = main(["--data-dir", str(tmp_path), "run", "--start", "2026-03-05", "--end", "2026-03-02"])
    assert code == 2
    assert "before --start" in capsys.readouterr().err


def test_missing_pseudonym_key_refuses_to_run(tmp_path, monkeypatch, capsys):
    (tmp_path / "raw" / "playback_events" / "received_date=2026-03-02").mkdir(parents=True)
    monkeypatch.delenv("BINGEWATCH_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("BINGEWATCH_ALLOW_DEV_KEY", raising=False)
    code = main(["--data-dir", str(tmp_path), "run"])
    assert code == 2
    assert "BINGEWATCH_PSEUDONYM_KEY" in capsys.readouterr().err


def test_unknown_scale_is_a_usage_error(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "generate", "--scale", "galactic"])
    assert code == 2
    assert "galactic" in capsys.readouterr().err


def test_console_script_reports_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bingewatch.cli", "--data-dir", str(tmp_path / "missing"), "run"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr

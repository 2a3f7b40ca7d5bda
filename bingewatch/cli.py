"""The `bingewatch` command: generate sample data, run the nightly DAG, summarise the outputs.

User mistakes (a bad date, a missing data directory, no pseudonym key) end with a one-line
error and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from bingewatch.settings import ConfigError, Settings, pseudonym_key

EXIT_USAGE = 2
EXIT_FAILED = 1


class UserError(Exception):
    """A mistake in how the command was called."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (expected YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bingewatch",
        description=(
            "Nightly warehouse of per-viewer playback consumption. Raw events live under "
            "DATA_DIR/raw; the run writes DATA_DIR/warehouse, publishes "
            "DATA_DIR/published/bingewatch.duckdb and reports to DATA_DIR/reports."
        ),
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="data directory (default: $BINGEWATCH_DATA_DIR, else ./data)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = commands.add_parser(
        "generate",
        help="write synthetic raw playback data with planted notable viewers",
        description="Write synthetic raw data in the raw contract, with a manifest and planted ground truth.",
    )
    gen.add_argument(
        "--scale", default="sample", help="tiny, sample, small, medium or large (default: sample)"
    )
    gen.add_argument("--days", type=int, default=None, help="arrival days to write (default: the preset's)")
    gen.add_argument(
        "--start", type=_date, default=date(2026, 3, 2), help="first arrival date (default: 2026-03-02)"
    )
    gen.add_argument("--seed", type=int, default=42, help="random seed: same seed, same data (default: 42)")
    gen.add_argument("--if-empty", action="store_true", help="do nothing when raw data already exists")
    gen.add_argument(
        "--personal-export",
        type=Path,
        default=None,
        metavar="DIR",
        help=(
            "instead of raw data, write a made-up household's Netflix export to DIR/export "
            "(ViewingActivity.csv and friends) and the truth of each profile to DIR/truth.json"
        ),
    )
    gen.add_argument(
        "--years", type=int, default=5, help="years of history in --personal-export (default: 5)"
    )

    run = commands.add_parser(
        "run",
        help="process every raw file that has arrived, in one run of the nightly DAG",
        description=(
            "Run the bingewatch_nightly DAG through Airflow (dag.test with a local metadata "
            "database). By default one run, for logical date --end (default: the latest arrival "
            "date under raw/), processes every raw file the ledger has not processed yet: new "
            "dates, skipped dates, files added late, a whole history. With --each-date, one run "
            "per arrival date from --start to --end, in order, stopping at the first failure."
        ),
    )
    run.add_argument("--start", type=_date, default=None, help="first arrival date (YYYY-MM-DD)")
    run.add_argument("--end", type=_date, default=None, help="last arrival date (YYYY-MM-DD)")
    run.add_argument(
        "--each-date",
        action="store_true",
        help="one DAG run per arrival date from --start to --end (reproduce nights one at a time)",
    )
    run.add_argument(
        "--lock-wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long to wait for another writer on the data directory (default: 600)",
    )

    reprocess = commands.add_parser(
        "reprocess",
        help="re-ingest raw files on purpose: forget them in the ledger so the next run rebuilds them",
        description=(
            "Raw files are immutable: a processed file that changes blocks the next run. To "
            "re-ingest on purpose, `reprocess --from DATE` takes every processed file with "
            "arrival date >= DATE out of the ledger (saying which) and the next `bingewatch run` "
            "builds them again."
        ),
    )
    reprocess.add_argument(
        "--from", dest="from_date", type=_date, required=True, help="first arrival date to redo"
    )

    imp = commands.add_parser(
        "import-netflix",
        help="import a Netflix account export (ViewingActivity.csv and friends) as raw data",
        description=(
            "Import Netflix's ViewingActivity.csv, PlaybackRelatedEvents.csv or "
            "NetflixViewingHistory.csv (a file, or the unzipped export folder) into DATA_DIR/raw, "
            "so `bingewatch run` shows that person's viewer-days and notable flags, and writes "
            "their page under DATA_DIR/reports/personal/. Exports carry no time zone: each "
            "profile gets its Country's zone when there is only one, else give it with "
            "--time-zone. See docs/importing.md."
        ),
    )
    imp.add_argument("path", type=Path, help="an export CSV file or the folder holding them")
    imp.add_argument(
        "--time-zone",
        action="append",
        default=None,
        metavar="ZONE or NAME=ZONE",
        help=(
            "IANA time zone for every profile, or for one profile as NAME=ZONE (repeatable); "
            "default: each profile's Country, when the tz database gives it a single zone"
        ),
    )
    imp.add_argument(
        "--account-id",
        default=None,
        help="account id to file the export under; one per person sharing a data dir",
    )

    bench = commands.add_parser(
        "bench",
        help="benchmark the nightly run against a hand-written DuckDB baseline",
        description=(
            "Generate a scale's raw data, run the nightly pipeline's stages (timed, peak RSS "
            "sampled) and bench/baseline.sql on it, check both give the same viewer_days and "
            "notable_viewers, measure dbt and Airflow start-up and optionally the growth of "
            "the run with history; write bench/results/<date>-<scale>.json and .md. "
            "See docs/benchmarks.md."
        ),
    )
    bench.add_argument(
        "--scale", default="medium", help="tiny, sample, small, medium or large (default: medium)"
    )
    bench.add_argument(
        "--repeats", type=int, default=3, help="runs per compared figure; medians (default: 3)"
    )
    bench.add_argument(
        "--days", type=int, default=None, help="arrival days to generate (default: the preset's)"
    )
    bench.add_argument(
        "--growth-scale", default=None, help="also measure day N vs day 2 at this scale (e.g. small)"
    )
    bench.add_argument("--growth-days", type=int, default=60, help="N for the growth ratio (default: 60)")
    bench.add_argument(
        "--growth-repeats", type=int, default=None, help="runs of day 2 and day N (default: --repeats)"
    )
    bench.add_argument("--no-airflow-probe", action="store_true", help="skip measuring Airflow start-up")
    bench.add_argument(
        "--reuse-raw", action="store_true", help="keep raw data already generated in --data-dir (same scale)"
    )
    bench.add_argument(
        "--memory-limit", default="3GB", help="DuckDB memory_limit for dbt and the baseline (default: 3GB)"
    )
    bench.add_argument(
        "--results-dir", type=Path, default=None, help="where results go (default: bench/results)"
    )
    bench.add_argument(
        "--keep-data", action="store_true", help="keep the temporary data directory (default: delete it)"
    )

    commands.add_parser(
        "summary",
        help="print where the outputs are and what the published snapshot holds",
        description="Print the output locations and a summary of published/bingewatch.duckdb.",
    )
    # --data-dir works before and after the subcommand.
    for subcommand in commands.choices.values():
        subcommand.add_argument(
            "--data-dir", default=argparse.SUPPRESS, help="data directory (as before the command)"
        )
    return parser


def raw_arrival_dates(settings: Settings) -> list[date]:
    """Arrival dates present as partitions under raw/playback_events."""
    found = []
    for folder in sorted(settings.events_dir.glob("received_date=*")):
        try:
            found.append(date.fromisoformat(folder.name.split("=", 1)[1]))
        except ValueError:
            continue
    return found


def cmd_generate(settings: Settings, args: argparse.Namespace) -> int:
    if args.personal_export is not None:
        return _generate_personal_export(args)
    if args.if_empty and raw_arrival_dates(settings):
        print(f"Raw data already present under {settings.raw_dir}; not generating.")
        return 0
    from bingewatch.generator import generate

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    print(f"Generating {args.scale} sample data into {settings.raw_dir} ...", flush=True)
    try:
        manifest = generate(
            settings.data_dir,
            scale=args.scale,
            days=args.days,
            start_date=args.start,
            seed=args.seed,
            progress=lambda message: print(f"  {message}", flush=True),
        )
    except ValueError as error:
        raise UserError(str(error)) from None
    totals = manifest.get("totals", {})
    print(f"Done: {totals.get('raw_rows', '?')} raw events. Manifest: {settings.raw_dir / '_generator'}")
    return 0


def _generate_personal_export(args: argparse.Namespace) -> int:
    from bingewatch.generator.personal_export import write_personal_export

    try:
        result = write_personal_export(args.personal_export, years=args.years, seed=args.seed)
    except ValueError as error:
        raise UserError(str(error)) from None
    rows = sum(p["rows_written"] for p in result["profiles"].values())
    print(
        f"Wrote a {result['years']}-year household export ({len(result['profiles'])} profiles, "
        f"{rows:,} viewing rows) to {result['export']}; the truth of each profile: "
        f"{Path(args.personal_export) / 'truth.json'}"
    )
    print(f"Next: bingewatch import-netflix {result['export']}, then bingewatch run")
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.data_dir.is_dir():
        raise UserError(f"data directory not found: {settings.data_dir}")
    available = raw_arrival_dates(settings)
    if not available:
        raise UserError(
            f"no raw playback events under {settings.events_dir} "
            "(run `bingewatch generate` or import data first)"
        )
    start = args.start or available[0]
    end = args.end or available[-1]
    if end < start:
        raise UserError(f"--end {end} is before --start {start}")
    if end.year < 1970:
        raise UserError(f"--end {end}: arrival dates before 1970-01-01 are not supported")
    pseudonym_key()  # refuse early, before Airflow starts, when no key is configured
    os.environ.setdefault("BINGEWATCH_RAW_WAIT_TIMEOUT_S", "0")

    from bingewatch.ledger import RawFilesChanged, check_unchanged, pending_files
    from bingewatch.local_run import RunFailed, run_dates
    from bingewatch.writer_lock import WriterBusy

    try:
        check_unchanged(settings, end)
    except RawFilesChanged as error:
        raise UserError(str(error)) from None
    if not args.each_date and args.start:
        earlier = [file for file in pending_files(settings, end) if file.received_date < args.start]
        if earlier:
            print(
                f"Note: {len(earlier)} unprocessed raw file(s) arrived before --start {args.start}; "
                f"the run for {end} processes them too (a publication holds every file that "
                "arrived by its date).",
                flush=True,
            )
    try:
        run_dates(
            settings,
            start,
            end,
            progress=lambda message: print(message, flush=True),
            each_date=args.each_date,
            lock_wait_s=args.lock_wait,
        )
    except WriterBusy as error:
        print(f"bingewatch: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except RunFailed as error:
        print(f"bingewatch: run failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    status = cmd_summary(settings, args)
    from bingewatch.personal import personal_pages

    for page in personal_pages(settings):
        print(f"Your page: {page}")
    return status


def cmd_reprocess(settings: Settings, args: argparse.Namespace) -> int:
    from bingewatch.ledger import forget_from
    from bingewatch.writer_lock import WriterBusy, writer_lock

    try:
        with writer_lock(settings, "bingewatch reprocess", wait_s=0):
            forgotten = forget_from(settings, args.from_date)
    except WriterBusy as error:
        print(f"bingewatch: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    if not forgotten:
        print(f"No processed raw file has arrival date {args.from_date} or later: nothing to redo.")
        return 0
    dates = sorted({path.split("/", 1)[0].removeprefix("received_date=") for path in forgotten})
    print(
        f"The next run rebuilds {len(forgotten)} raw file(s) of {len(dates)} arrival date(s), "
        f"{dates[0]}..{dates[-1]}, as they are on disk now:"
    )
    for path in forgotten[:20]:
        print(f"  {path}")
    if len(forgotten) > 20:
        print(f"  ... and {len(forgotten) - 20} more")
    print("Run `bingewatch run` to rebuild and publish them.")
    return 0


def cmd_import_netflix(settings: Settings, args: argparse.Namespace) -> int:
    if not args.path.exists():
        raise UserError(f"no such file or folder: {args.path}")
    from bingewatch.importers import NetflixImportError, format_summary, import_netflix

    try:
        summary = import_netflix(
            args.path, settings.data_dir, time_zone=args.time_zone, account_id=args.account_id
        )
    except NetflixImportError as error:
        raise UserError(str(error)) from None
    print(format_summary(summary))
    return 0


def _bench_importable() -> None:
    """The benchmark harness lives in the checkout's bench/ folder, not in the installed package:
    put the checkout on the import path."""
    from bingewatch.settings import PROJECT_ROOT

    if not (PROJECT_ROOT / "bench" / "harness.py").is_file():
        raise UserError(f"the benchmark needs a bingewatch checkout: no bench/harness.py in {PROJECT_ROOT}")
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    """Run the benchmark in --data-dir when one is given explicitly, else in a temporary folder."""
    _bench_importable()
    from bench.harness import RESULTS_DIR, BenchFailed, run_bench, valid_memory_limit
    from bingewatch.generator.presets import SCALE_NAMES

    for scale in filter(None, (args.scale, args.growth_scale)):
        if scale not in SCALE_NAMES:
            raise UserError(f"unknown scale {scale!r}: choose one of {', '.join(SCALE_NAMES)}")
    if args.repeats < 1:
        raise UserError("--repeats must be at least 1")
    if args.growth_scale and args.growth_days < 3:
        raise UserError("--growth-days must be at least 3")
    try:
        memory_limit = valid_memory_limit(args.memory_limit)
    except ValueError as error:
        raise UserError(str(error)) from None
    try:
        results = run_bench(
            args.scale,
            data_dir=Path(args.data_dir) if args.data_dir else None,
            repeats=args.repeats,
            days=args.days,
            growth_scale=args.growth_scale,
            growth_days=args.growth_days,
            growth_repeats=args.growth_repeats,
            reuse_raw=args.reuse_raw,
            airflow_probe=not args.no_airflow_probe,
            memory_limit=memory_limit,
            results_dir=args.results_dir or RESULTS_DIR,
            keep_data=args.keep_data,
            progress=lambda message: print(message, flush=True),
        )
    except BenchFailed as error:
        print(f"bingewatch: bench failed: {error}", file=sys.stderr)
        return EXIT_FAILED
    from bench.harness import markdown_table

    print(markdown_table(results))
    return 0 if results["summary"]["outputs_equal"] else EXIT_FAILED


def cmd_summary(settings: Settings, args: argparse.Namespace) -> int:
    from bingewatch.summary import print_summary

    return print_summary(settings)


COMMANDS = {
    "generate": cmd_generate,
    "run": cmd_run,
    "reprocess": cmd_reprocess,
    "import-netflix": cmd_import_netflix,
    "summary": cmd_summary,
    "bench": cmd_bench,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(args.data_dir)
        return COMMANDS[args.command](settings, args)
    except (UserError, ConfigError) as error:
        print(f"bingewatch: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())

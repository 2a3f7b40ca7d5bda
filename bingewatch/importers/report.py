"""A readable text version of import_netflix's summary, for the command line."""

from __future__ import annotations

import re


def format_summary(summary: dict) -> str:
    """Lines a person reads after an import: what was read, written, skipped, and what next."""
    lines = [
        f"Imported {len(summary['files'])} file(s) into {summary['data_dir']} "
        f"(account {summary['account_id']}, time zone {summary['time_zone']}):"
    ]
    for f in summary["files"]:
        lines.append(f"  {f['path']}: {f['export']} format, {f['rows']} row(s)")
    if summary["files_ignored"]:
        lines.append(f"  ignored (not a Netflix export): {', '.join(summary['files_ignored'])}")
    lines.append(
        f"Rows read: {summary['rows_read']}; sessions written: {summary['sessions_written']}; "
        f"events written: {summary['events_written']}"
    )
    if summary["rows_skipped"]:
        skipped = ", ".join(f"{reason} {count}" for reason, count in summary["rows_skipped"].items())
        lines.append(f"Rows skipped: {skipped}")
    if summary["history_without_duration"]:
        dates = summary["history_dates"] or {}
        lines.append(
            f"NetflixViewingHistory rows imported as titles only (no watch time in that file): "
            f"{summary['history_without_duration']} ({dates.get('first')} .. {dates.get('last')})"
        )
    if summary["profiles"]:
        profiles = ", ".join(f"{p['profile_name']} ({p['sessions']} sessions)" for p in summary["profiles"])
        lines.append(f"Profiles: {profiles}")
        for p in summary["profiles"]:
            if p.get("time_zone"):
                source = p.get("time_zone_source")
                lines.append(f"  {p['profile_name']}: time zone {p['time_zone']} ({source})")
    lines.append(f"Titles: {summary['titles']}")
    dates = summary["arrival_dates"]
    if dates:
        lines.append(
            f"Arrival dates: {dates[0]} .. {dates[-1]} ({len(dates)} day(s), "
            f"{summary['arrival_dates_with_events']} with viewing)"
        )
    if summary["files_removed"]:
        lines.append(f"Replaced an earlier import: {len(summary['files_removed'])} old file(s) removed")
    for note, count in summary["notes"].items():
        lines.append(f"Note: {note} ({count})")
    replaced = sorted(
        match.group(1)
        for path in summary["files_removed"]
        if (match := re.search(r"received_date=(\d{4}-\d{2}-\d{2})", path))
    )
    if replaced:
        # Files a run may already have processed changed: re-ingest them on purpose.
        lines.append(
            f"Next: bingewatch --data-dir {summary['data_dir']} reprocess --from {replaced[0]}, then run"
        )
    if dates:
        # However many dates the export spans, one run publishes it (the ledger's catch-up).
        lines.append(f"Next: bingewatch --data-dir {summary['data_dir']} run")
    return "\n".join(lines)

"""The one exception the importers raise: a user-facing problem with an export file."""

from __future__ import annotations


class NetflixImportError(Exception):
    """An export that cannot be imported; the message names the file, the line and the reason.

    Nothing has been written when it is raised: every file is parsed before anything is written.
    """


def at_line(file_label: str, line: int | None, reason: str) -> NetflixImportError:
    """An error pointing at one line of one file ("ViewingActivity.csv line 17: ...")."""
    where = f"{file_label} line {line}" if line is not None else file_label
    return NetflixImportError(f"{where}: {reason}")

"""Importers for a person's own Netflix export ("Download your personal information").

``import_netflix(path, data_dir, time_zone=..., account_id=...)`` reads ViewingActivity.csv,
PlaybackRelatedEvents.csv or NetflixViewingHistory.csv (a file, or a folder searched
recursively; the format is detected by the header) and writes the raw contract under
``data_dir/raw`` so the nightly run treats it like any other source. See docs/importing.md.
"""

from __future__ import annotations

from .errors import NetflixImportError
from .netflix import DEFAULT_ACCOUNT_ID, import_netflix
from .report import format_summary

ImportError_ = NetflixImportError  # the name the API brief used; NetflixImportError is the class

__all__ = ["DEFAULT_ACCOUNT_ID", "ImportError_", "NetflixImportError", "format_summary", "import_netflix"]

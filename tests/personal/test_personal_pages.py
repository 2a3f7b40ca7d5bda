"""The person's pages outside a run: written from the local import record even before anything
is published, and gone with the record when the account has an erasure request."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq

from bingewatch.importers import import_netflix
from bingewatch.personal import personal_pages, write_personal_pages
from bingewatch.settings import Settings

HEADER = (
    "Profile Name,Start Time,Duration,Attributes,Title,Supplemental Video Type,Device Type,"
    "Bookmark,Latest Bookmark,Country"
)
ROW = (
    "Zoë Quinn,2021-12-28 20:02:11,00:22:05,,The Office (U.S.): Season 3: The Convict (Episode 9),,"
    "TV,00:22:05,00:22:05,DE (Germany)"
)


def _imported(tmp_path) -> Settings:
    export = tmp_path / "ViewingActivity.csv"
    export.write_text(f"{HEADER}\n{ROW}\n", encoding="utf-8")
    settings = Settings(tmp_path / "data")
    import_netflix(export, settings.data_dir, account_id="quinn-family")
    return settings


def test_a_page_before_any_publication_says_so(tmp_path):
    settings = _imported(tmp_path)
    pages = write_personal_pages(settings)
    assert [p.name for p in pages] == ["Zoë-Quinn.html"]
    text = pages[0].read_text(encoding="utf-8")
    assert "Zoë Quinn: your viewing" in text and "No published viewer-days" in text
    assert "Europe/Berlin" in text and "What your export could not tell" in text
    assert (settings.reports_dir / "personal" / "index.html").is_file()


def test_an_erased_account_loses_its_record_and_its_pages(tmp_path):
    settings = _imported(tmp_path)
    write_personal_pages(settings)
    assert personal_pages(settings)
    requests = pa.table(
        {"account_id": ["quinn-family"], "requested_at": [datetime(2022, 1, 5)]},
        schema=pa.schema([("account_id", pa.string()), ("requested_at", pa.timestamp("us"))]),
    )
    pq.write_table(requests, settings.raw_dir / "erasure_requests" / "erasure_requests.parquet")
    assert write_personal_pages(settings) == []
    assert personal_pages(settings) == []
    assert not list((settings.data_dir / "imports").glob("*.json"))

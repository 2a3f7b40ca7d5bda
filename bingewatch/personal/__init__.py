"""A person's own page: what their imported Netflix export says about their viewing.

Every run over imported data writes ``reports/personal/<profile>.html`` for each profile the
local import records (``DATA_DIR/imports/``) name: their daily and weekly hours, longest
viewing, top series and films, nights past midnight, unattended autoplay, and for each notable
rule whether it fired or how close they came. Profile names come only from those local
records; the published tables hold keyed ``viewer_key``s, and the page maps a name to its key
here, locally, with the run's own pseudonym key. See docs/importing.md.
"""

from __future__ import annotations

from .page import PERSONAL_DIR, personal_pages, write_personal_pages

__all__ = ["PERSONAL_DIR", "personal_pages", "write_personal_pages"]

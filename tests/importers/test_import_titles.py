"""Title strings -> title rows (bingewatch/importers/titles.py)."""

from __future__ import annotations

import pytest

from bingewatch.importers.titles import parse_title, supplemental_title_type


@pytest.mark.parametrize(
    ("text", "series", "season", "title", "episode"),
    [
        ("The Office (U.S.): Season 3: The Convict (Episode 9)", "The Office (U.S.)", 3, "The Convict", 9),
        ("Black Mirror: Series 3: Nosedive (Episode 1)", "Black Mirror", 3, "Nosedive", 1),
        ("Dark: Staffel 1: Geheimnisse (Folge 1)", "Dark", 1, "Geheimnisse", 1),
        ("Lupin: Partie 1: Chapitre 1 (Épisode 1)", "Lupin", 1, "Chapitre 1", 1),
        ("La casa de papel: Temporada 2: Episodio 3", "La casa de papel", 2, "Episodio 3", 3),
        ("Money Heist: Part 1: Episode 1", "Money Heist", 1, "Episode 1", 1),
        (
            "Star Wars: The Clone Wars: Season 1: Ambush (Episode 1)",
            "Star Wars: The Clone Wars",
            1,
            "Ambush",
            1,
        ),
        (
            "Stranger Things: Stranger Things 2: Chapter One: MADMAX (Episode 1)",
            "Stranger Things",
            2,
            "Chapter One: MADMAX",
            1,
        ),
        (
            "The Queen's Gambit: Limited Series: Openings (Episode 1)",
            "The Queen's Gambit",
            None,
            "Openings",
            1,
        ),
        ('Haus des Geldes: Teil 1: Folge 1, "Der Plan"', "Haus des Geldes", 1, 'Folge 1, "Der Plan"', None),
    ],
)
def test_episodes(text, series, season, title, episode):
    parsed = parse_title(text)
    assert parsed.title_type == "episode"
    assert (parsed.series_title, parsed.season_number, parsed.title, parsed.episode_number) == (
        series,
        season,
        title,
        episode,
    )
    assert parsed.series_id and parsed.series_id.startswith("nf-s-")


@pytest.mark.parametrize("text", ["Bird Box", "Mission: Impossible", "Klaus", "Black Mirror: Bandersnatch"])
def test_films_keep_the_whole_string(text):
    parsed = parse_title(text)
    assert parsed.title_type == "film"
    assert parsed.title == text
    assert parsed.series_id is None and parsed.series_title is None and parsed.season_number is None


def test_ids_are_stable_and_distinguish_supplemental_videos():
    text = "The Office (U.S.): Season 3: The Convict (Episode 9)"
    assert parse_title(text).title_id == parse_title(text).title_id
    assert parse_title(text).title_id != parse_title(text, "TRAILER").title_id
    assert (
        parse_title(text).series_id == parse_title("The Office (U.S.): Season 1: Pilot (Episode 1)").series_id
    )


def test_whitespace_is_normalised():
    assert parse_title("  Bird  Box ").title_id == parse_title("Bird Box").title_id


@pytest.mark.parametrize(
    ("video_type", "title_type"),
    [
        ("", None),
        (None, None),
        ("HOOK", "hook"),
        ("TRAILER", "trailer"),
        ("TEASER_TRAILER", "trailer"),
        ("PROMOTIONAL", "trailer"),
        ("RECAP", "recap"),
        ("recap", "recap"),
        ("SOMETHING_NEW", "trailer"),
    ],
)
def test_supplemental_video_types(video_type, title_type):
    assert supplemental_title_type(video_type) == title_type
    parsed = parse_title("Dark: Season 1: Secrets (Episode 1)", video_type)
    assert parsed.title_type == (title_type or "episode")
    assert parsed.series_title == "Dark"  # a trailer keeps its series

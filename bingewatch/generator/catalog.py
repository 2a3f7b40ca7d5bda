"""The title catalogue: background series, films and extras in SQL, plus the planted titles.

Builds the `titles` table (the raw contract) and helper tables the session planner samples from:
`bg_episodes` (series_idx, ep_index -> title), `bg_films`, `bg_extras`.
"""

from __future__ import annotations

from datetime import date

import duckdb

from .rand import pick, u

_ADJECTIVES = [
    "Silent",
    "Golden",
    "Broken",
    "Hidden",
    "Last",
    "Northern",
    "Crimson",
    "Wild",
    "Lost",
    "Bright",
    "Dark",
    "Endless",
    "Frozen",
    "Little",
    "Midnight",
    "Secret",
    "Salt",
    "Paper",
    "Iron",
    "Velvet",
]
_NOUNS = [
    "Harbor",
    "Kingdom",
    "Signal",
    "Garden",
    "Frontier",
    "Station",
    "Empire",
    "Orchard",
    "Bureau",
    "Tide",
    "Academy",
    "Lantern",
    "Canyon",
    "Verdict",
    "Circuit",
    "Parish",
    "Summit",
    "Archive",
    "Republic",
    "Bakery",
]


def _sql_list(words: list[str]) -> str:
    return "[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def build_catalog(
    con: duckdb.DuckDBPyConnection,
    seed: int,
    n_series: int,
    n_films: int,
    start_date: date,
    planted_titles: list[dict],
) -> None:
    """Create `titles` and the background sampling tables in `con`."""
    adj, noun = _sql_list(_ADJECTIVES), _sql_list(_NOUNS)
    sd = f"DATE '{start_date.isoformat()}'"
    con.execute(f"""
        create or replace table bg_series as
        select
            s as series_idx,
            printf('se-%05d', s) as series_id,
            {adj}[1 + {pick(seed, "sa", len(_ADJECTIVES), "s")}] || ' '
                || {noun}[1 + {pick(seed, "sn", len(_NOUNS), "s")}]
                || case when s >= 400 then ' ' || (s // 400 + 1)::varchar else '' end as series_title,
            1 + {pick(seed, "seasons", 4, "s")} as seasons,
            6 + {pick(seed, "eps", 8, "s")} as eps_per_season,
            1200 + {pick(seed, "rt", 2400, "s")} as base_runtime_s,
            {sd} - to_days({pick(seed, "rel", 2500, "s")}::INT) - to_days(400) as first_release
        from range({n_series}) t(s)
    """)
    con.execute(f"""
        create or replace table bg_episodes as
        with eps as (
            select s.*, season.season_number, ep.episode_number
            from bg_series as s
            cross join lateral (select unnest(range(1, s.seasons + 1)) as season_number) as season
            cross join lateral (select unnest(range(1, s.eps_per_season + 1)) as episode_number) as ep
        )
        select
            series_idx, series_id, series_title, season_number::INT as season_number,
            episode_number::INT as episode_number,
            (row_number() over (partition by series_idx order by season_number, episode_number) - 1)
                as ep_index,
            printf('tt-%05d-s%02de%02d', series_idx, season_number, episode_number) as title_id,
            series_title || ': Season ' || season_number || ': Chapter ' || episode_number
                || ' (Episode ' || episode_number || ')' as title,
            (base_runtime_s
             * (0.92 + 0.16 * {u(seed, "eprt", "series_idx", "season_number", "episode_number")}))::INT
                as runtime_s,
            (first_release + to_days(((season_number - 1) * 365 + episode_number * 7)::INT))::DATE
                as release_date
        from eps
    """)
    con.execute("""
        create or replace table bg_series_size as
        select series_idx, count(*) as n_eps from bg_episodes group by all
    """)
    con.execute(f"""
        create or replace table bg_films as
        select
            f as film_idx,
            printf('tt-f%05d', f) as title_id,
            'The ' || {adj}[1 + {pick(seed, "fa", len(_ADJECTIVES), "f")}] || ' '
                || {noun}[1 + {pick(seed, "fn", len(_NOUNS), "f")}] as title,
            (4800 + {pick(seed, "frt", 4200, "f")})::INT as runtime_s,
            ({sd} - to_days({pick(seed, "frel", 3000, "f")}::INT) - to_days(30))::DATE as release_date
        from range({n_films}) t(f)
    """)
    # Extras: a trailer for every film, a hook and a recap for every series.
    con.execute(f"""
        create or replace table bg_extras as
        with raw as (
            select 'trailer' as title_type, printf('tt-t%05d', film_idx) as title_id, null as series_id,
                   null as series_title, 'Trailer: ' || title as title,
                   (60 + {pick(seed, "trt", 90, "film_idx")})::INT as runtime_s, release_date
            from bg_films
            union all
            select 'hook', printf('tt-h%05d', series_idx), series_id, series_title,
                   'Hook: ' || series_title, (30 + {pick(seed, "hrt", 30, "series_idx")})::INT,
                   first_release::DATE
            from bg_series
            union all
            select 'recap', printf('tt-r%05d', series_idx), series_id, series_title,
                   'Recap: ' || series_title, (60 + {pick(seed, "rrt", 60, "series_idx")})::INT,
                   first_release::DATE
            from bg_series
        )
        select row_number() over (order by title_id) - 1 as extra_idx, * from raw
    """)
    con.execute("""
        create or replace table planted_titles (
            title_id VARCHAR, title_type VARCHAR, series_id VARCHAR, series_title VARCHAR,
            season_number INT, episode_number INT, title VARCHAR, runtime_s INT, release_date DATE)
    """)
    if planted_titles:
        con.executemany(
            "insert into planted_titles values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    t["title_id"],
                    t["title_type"],
                    t["series_id"],
                    t["series_title"],
                    t["season_number"],
                    t["episode_number"],
                    t["title"],
                    t["runtime_s"],
                    t["release_date"],
                ]
                for t in planted_titles
            ],
        )
    con.execute("""
        create or replace table titles as
        select title_id, 'episode' as title_type, series_id, series_title, season_number,
               episode_number, title, runtime_s, release_date
        from bg_episodes
        union all
        select title_id, 'film', null, null, null, null, title, runtime_s, release_date from bg_films
        union all
        select title_id, title_type, series_id, series_title, null, null, title, runtime_s, release_date
        from bg_extras
        union all
        select * from planted_titles
    """)

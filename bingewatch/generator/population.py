"""Accounts, profiles and their viewing habits (SQL), plus erasure requests.

Builds `profiles` (the raw contract, background and planted) and `behaviour` (per background
profile: how often it watches, its rest-day phase, favourite series and devices; never written).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from .rand import pick, u

# (IANA zone, country, weight). US and EU zones put both 2026 DST changes inside long runs.
TIME_ZONES = [
    ("America/New_York", "US", 24),
    ("America/Chicago", "US", 10),
    ("America/Los_Angeles", "US", 14),
    ("Europe/Berlin", "DE", 14),
    ("Europe/London", "GB", 10),
    ("Asia/Tokyo", "JP", 10),
    ("UTC", "IS", 4),
    ("America/Sao_Paulo", "BR", 8),
    ("Australia/Sydney", "AU", 6),
]
COUNTRY_OF_ZONE = {tz: c for tz, c, _ in TIME_ZONES}

# (device_type, app_version prefix)
DEVICES = [
    ("Samsung Smart TV", "tv-7."),
    ("LG Smart TV", "tv-7."),
    ("Roku", "roku-12."),
    ("Apple TV", "tvos-16."),
    ("Fire TV Stick", "fire-9."),
    ("PlayStation 5", "ps5-4."),
    ("iPhone", "ios-16."),
    ("iPad", "ios-16."),
    ("Android Phone", "android-8."),
    ("Chrome", "web-6."),
    ("Safari", "web-6."),
    ("Firefox", "web-6."),
]


def _values(rows: list[tuple]) -> str:
    out = []
    for row in rows:
        out.append("(" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in row) + ")")
    return ", ".join(out)


def build_population(
    con: duckdb.DuckDBPyConnection,
    seed: int,
    n_profiles: int,
    activity: float,
    opt_out_rate: float,
    start_date: date,
) -> int:
    """Create `accounts_bg`, `profiles_bg` and `behaviour`; return the number of accounts."""
    total_w = sum(w for _, _, w in TIME_ZONES)
    cum, zone_rows = 0, []
    for tz, country, w in TIME_ZONES:
        zone_rows.append((tz, country, cum / total_w, (cum + w) / total_w))
        cum += w
    con.execute(
        f"create or replace table zones as select * from (values {_values(zone_rows)}) "
        "as t(time_zone, country, lo, hi)"
    )
    con.execute(
        f"create or replace table devices as select * from "
        f"(values {_values([(i, d, p) for i, (d, p) in enumerate(DEVICES)])}) "
        "as t(device_idx, device_type, app_prefix)"
    )
    n_accounts = max(1, round(n_profiles / 2.3))
    sd = f"TIMESTAMP '{start_date.isoformat()} 00:00:00'"
    # Account sizes 1-5 (mean about 2.3); profiles are numbered in account order and cut at n.
    con.execute(f"""
        create or replace table accounts_bg as
        with a as (
            select a as account_idx, {u(seed, "acsize", "a")} as us, {u(seed, "actz", "a")} as utz
            from range({n_accounts}) t(a)
        )
        select
            account_idx,
            printf('ac-%07d', account_idx) as account_id,
            case when us < 0.35 then 1 when us < 0.60 then 2 when us < 0.80 then 3
                 when us < 0.92 then 4 else 5 end as n_profiles,
            z.time_zone, z.country,
            printf('100.%d.%d.%d', 64 + {pick(seed, "ip1", 64, "account_idx")},
                   {pick(seed, "ip2", 256, "account_idx")}, 1 + {pick(seed, "ip3", 254, "account_idx")})
                as ip_address
        from a join zones as z on a.utz >= z.lo and a.utz < z.hi
    """)
    con.execute(f"""
        create or replace table profiles_bg as
        with p as (
            select a.*, k as slot
            from accounts_bg as a, unnest(range(a.n_profiles)) as t(k)
        ),
        numbered as (
            select *, row_number() over (order by account_idx, slot) - 1 as profile_idx from p
        )
        select
            profile_idx,
            printf('pr-%07d', profile_idx) as profile_id,
            account_id, account_idx, time_zone, country, ip_address,
            {sd} - to_days({pick(seed, "created", 1800, "profile_idx")}::INT) - to_days(1)
                + to_seconds({pick(seed, "createds", 86400, "profile_idx")}::BIGINT) as created_at,
            {u(seed, "optout", "profile_idx")} < {opt_out_rate} as analytics_opt_out
        from numbered
        where profile_idx < {n_profiles}
    """)
    con.execute(f"""
        create or replace table behaviour as
        select
            profile_idx, profile_id, account_id, time_zone, country, ip_address,
            least(0.95, {activity} * (0.3 + 0.9 * {u(seed, "act", "profile_idx")})) as activity_p,
            {pick(seed, "phase", 6, "profile_idx")} as rest_phase,
            1 + {pick(seed, "ndev", 3, "profile_idx")} as n_devices,
            {pick(seed, "dev0", len(DEVICES), "profile_idx")} as dev0,
            {pick(seed, "dev1", len(DEVICES), "profile_idx")} as dev1,
            {pick(seed, "dev2", len(DEVICES), "profile_idx")} as dev2,
            {u(seed, "fav0", "profile_idx")} as fav0,
            {u(seed, "fav1", "profile_idx")} as fav1,
            {u(seed, "fav2", "profile_idx")} as fav2
        from profiles_bg
    """)
    return n_accounts


def build_profiles(con: duckdb.DuckDBPyConnection, planted_profiles: list[dict]) -> None:
    """Create `profiles` (the raw table): background profiles plus the planted ones."""
    con.execute("""
        create or replace table planted_profiles (
            profile_id VARCHAR, account_id VARCHAR, time_zone VARCHAR, country VARCHAR,
            created_at TIMESTAMP, analytics_opt_out BOOLEAN)
    """)
    if planted_profiles:
        con.executemany(
            "insert into planted_profiles values (?, ?, ?, ?, ?, ?)",
            [
                [
                    p["profile_id"],
                    p["account_id"],
                    p["time_zone"],
                    p["country"],
                    p["created_at"],
                    p["analytics_opt_out"],
                ]
                for p in planted_profiles
            ],
        )
    con.execute("""
        create or replace table profiles as
        select profile_id, account_id, time_zone, country, created_at, analytics_opt_out from profiles_bg
        union all
        select * from planted_profiles
    """)


def build_erasure_requests(
    con: duckdb.DuckDBPyConnection,
    seed: int,
    rate: float,
    start_date: date,
    days: int,
    protected_accounts: list[str],
    planted_requests: list[dict],
) -> None:
    """Create `erasure_requests`: background accounts drawn at `rate` plus the planted ones.

    Accounts that hold planted viewers are never drawn: erasing them would change the truth.
    """
    protected = ", ".join(f"'{a}'" for a in protected_accounts) or "''"
    sd = f"TIMESTAMP '{start_date.isoformat()} 00:00:00'"
    con.execute(f"""
        create or replace table erasure_requests as
        select account_id,
               {sd} + to_seconds({pick(seed, "erase_at", days * 86400, "account_idx")}::BIGINT)
                   as requested_at
        from accounts_bg
        where {u(seed, "erase", "account_idx")} < {rate} and account_id not in ({protected})
    """)
    for r in planted_requests:
        con.execute("insert into erasure_requests values (?, ?)", [r["account_id"], r["requested_at"]])


def planted_created_at(start_date: date, k: int) -> datetime:
    """A fixed, plausible sign-up time for the k-th planted profile."""
    return datetime.combine(start_date, datetime.min.time()) - timedelta(days=200 + 37 * k, hours=k)

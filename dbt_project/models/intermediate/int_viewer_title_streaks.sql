{{
    config(
        incremental_strategy='append',
        pre_hook="{{ delete_recompute_scope('activity_date') }}"
    )
}}

-- One row per profile, title and local day with at least streak_min_daily_s of attended
-- watching of that title, carrying the day its current streak began. A title is one film or
-- one episode: watching the same title again day after day is the story ("A Christmas
-- Prince" 18 days running); following a series, a new episode each day, is ordinary viewing
-- and never continues a streak. This is the compact streak state: a run continues a streak
-- from the stored day before its first recomputed day instead of rescanning the history.

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

segments as (

    select * from {{ ref('int_viewing_segments_split') }}

),

titles as (

    select * from {{ ref('stg_raw__titles') }}

),

title_days as (

    select
        segments.profile_id,
        segments.title_id,
        sum(segments.watch_ms) as attended_ms,
        segments.activity_date,
        min(scope.recompute_from_date) as recompute_from_date

    from segments
    inner join scope
        on segments.profile_id = scope.profile_id
    where segments.activity_date >= scope.recompute_from_date
        and segments.is_attended
        and segments.is_feature
    group by segments.profile_id, segments.title_id, segments.activity_date

),

labelled as (

    -- The streak's evidence names the title: the film, or the series and its episode.
    select
        title_days.*,
        case
            when titles.is_episode
                and substr(titles.title_name, 1, length(titles.show_title)) = titles.show_title
                then titles.title_name
            when titles.is_episode then titles.show_title || ': ' || titles.title_name
            else titles.show_title
        end as streak_title

    from title_days
    left join titles
        on title_days.title_id = titles.title_id

),

qualifying as (

    select * from labelled
    where attended_ms >= {{ var('streak_min_daily_s') * 1000 }}

),

islands as (

    select
        *,
        {{ dbt.dateadd(
            'day',
            '-1 * row_number() over (partition by profile_id, title_id order by activity_date)',
            'activity_date') }} as island_key

    from qualifying

),

island_firsts as (

    select
        *,
        min(activity_date) over (partition by profile_id, title_id, island_key) as island_first_date

    from islands

),

{% if is_incremental() %}
carried_over as (

    -- The stored streak on the day before the first recomputed day, if that day qualified.
    select
        previous.profile_id,
        previous.title_id,
        previous.streak_started_date

    from {{ this }} as previous
    inner join scope
        on previous.profile_id = scope.profile_id
    where previous.activity_date = {{ dbt.dateadd('day', -1, 'scope.recompute_from_date') }}

),
{% endif %}

streaks as (

    select
        island_firsts.profile_id,
        island_firsts.title_id,
        island_firsts.streak_title,
        island_firsts.attended_ms,
        {% if is_incremental() %}
        cast(case
            when island_firsts.island_first_date = island_firsts.recompute_from_date
                and carried_over.streak_started_date is not null
                then carried_over.streak_started_date
            else island_firsts.island_first_date
        end as date) as streak_started_date,
        {% else %}
        cast(island_firsts.island_first_date as date) as streak_started_date,
        {% endif %}
        island_firsts.activity_date

    from island_firsts
    {% if is_incremental() %}
    left join carried_over
        on island_firsts.profile_id = carried_over.profile_id
        and island_firsts.title_id = carried_over.title_id
    {% endif %}

),

final as (

    select
        profile_id,
        title_id,
        streak_title,
        attended_ms,
        {{ dbt.datediff('streak_started_date', 'activity_date', 'day') }} + 1 as streak_days,
        streak_started_date,
        activity_date

    from streaks

)

select * from final

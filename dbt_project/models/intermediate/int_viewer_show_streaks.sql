{{
    config(
        incremental_strategy='append',
        pre_hook="{{ delete_recompute_scope('activity_date') }}"
    )
}}

-- One row per profile, show and local day with at least streak_min_daily_s of attended
-- watching of that show, carrying the day its current streak began. This is the compact
-- streak state: a run continues a streak from the stored day before its first recomputed
-- day instead of rescanning the viewer's history.

with

scope as (

    select * from {{ ref('int_recompute_scope') }}

),

segments as (

    select * from {{ ref('int_viewing_segments_split') }}

),

show_days as (

    select
        segments.profile_id,
        segments.show_id,
        min(segments.show_title) as show_title,
        sum(segments.watch_ms) as attended_ms,
        segments.activity_date,
        min(scope.recompute_from_date) as recompute_from_date

    from segments
    inner join scope
        on segments.profile_id = scope.profile_id
    where segments.activity_date >= scope.recompute_from_date
        and segments.is_attended
        and segments.is_feature
    group by segments.profile_id, segments.show_id, segments.activity_date

),

qualifying as (

    select * from show_days
    where attended_ms >= {{ var('streak_min_daily_s') * 1000 }}

),

islands as (

    select
        *,
        {{ dbt.dateadd(
            'day',
            '-1 * row_number() over (partition by profile_id, show_id order by activity_date)',
            'activity_date') }} as island_key

    from qualifying

),

island_firsts as (

    select
        *,
        min(activity_date) over (partition by profile_id, show_id, island_key) as island_first_date

    from islands

),

{% if is_incremental() %}
carried_over as (

    -- The stored streak on the day before the first recomputed day, if that day qualified.
    select
        previous.profile_id,
        previous.show_id,
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
        island_firsts.show_id,
        island_firsts.show_title,
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
        and island_firsts.show_id = carried_over.show_id
    {% endif %}

),

final as (

    select
        profile_id,
        show_id,
        show_title,
        attended_ms,
        {{ dbt.datediff('streak_started_date', 'activity_date', 'day') }} + 1 as streak_days,
        streak_started_date,
        activity_date

    from streaks

)

select * from final

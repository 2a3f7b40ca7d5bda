{{ config(unique_key='received_date') }}

-- Clean events: valid, and the first row of each event_id (by arrival). A client retry can
-- arrive up to max_lateness_days later, so earlier arrival dates are searched that far back
-- only. Resent events are a small share of a batch: only the rows of an event_id that repeats
-- are ordered, instead of a window over every wide row of the batch (docs/benchmarks.md).

with

classified as (

    select * from {{ ref('int_playback_events_classified') }}

),

valid as (

    select * from classified
    where quarantine_reason is null

),

repeated_event_ids as (

    select event_id
    from valid
    group by event_id
    having count(*) > 1

),

repeats_ranked as (

    select
        valid.source_file,
        valid.source_row_number,
        row_number() over (
            partition by valid.event_id
            order by valid.received_date, valid.received_at, valid.source_file, valid.source_row_number
        ) as event_id_occurrence

    from valid
    inner join repeated_event_ids
        on valid.event_id = repeated_event_ids.event_id

),

later_repeats as (

    -- A raw row is identified by its file and row number.
    select source_file, source_row_number
    from repeats_ranked
    where event_id_occurrence > 1

),

first_in_batch as (

    select * from valid
    where not exists (
        select 1 from later_repeats
        where later_repeats.source_file = valid.source_file
            and later_repeats.source_row_number = valid.source_row_number
    )

),

{% if is_incremental() %}
kept_earlier as (

    select event_id from {{ this }}
    where received_date < {{ run_start_date() }}
        and received_date >= {{ dbt.dateadd('day', -(var('max_lateness_days') + 1), run_start_date()) }}

),
{% endif %}

deduplicated as (

    select
        event_id,
        account_id,
        profile_id,
        playback_session_id,
        title_id,
        event_type,
        device_type,
        country_code,
        app_version,
        media_offset_ms,
        source_file,
        source_row_number,
        is_autoplay,
        received_date,
        event_at,
        received_at

    from first_in_batch
    {% if is_incremental() %}
    where not exists (
        select 1 from kept_earlier
        where kept_earlier.event_id = first_in_batch.event_id
    )
    {% endif %}

)

select * from deduplicated

{{ config(unique_key='received_date') }}

-- Every raw row of each arrival date, accounted for: raw = clean + duplicates + quarantined.
-- Raw rows come from the classified batch, clean rows from the deduplicated table, quarantined
-- rows from the quarantine table and duplicates from the kept event ids, so the identity is a
-- real check (tests/assert_raw_rows_accounted_for.sql): a valid row dropped although its
-- event_id was never kept, or an invalid row missing from quarantine, breaks it.

with

classified as (

    select * from {{ ref('int_playback_events_classified') }}

),

deduplicated as (

    select * from {{ ref('int_playback_events_deduplicated') }}

),

quarantined as (

    select * from {{ ref('int_playback_events_quarantined') }}

),

run_dates as (

    -- Every arrival date of the run, so an empty partition still gets its (zero) row.
    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', run_start_date()) }} as date)
            as received_date

    from {{ day_offsets(3660) }} as day_offsets
    where day_offsets.day_offset
        <= {{ dbt.datediff(run_start_date(), run_end_date(), 'day') }}

),

clean_counts as (

    select
        received_date,
        count(*) as clean_rows

    from deduplicated
    where received_date between {{ run_start_date() }} and {{ run_end_date() }}
    group by 1

),

quarantined_counts as (

    select
        received_date,
        count(*) as quarantined_rows

    from quarantined
    where received_date between {{ run_start_date() }} and {{ run_end_date() }}
    group by 1

),

kept_event_ids as (

    -- Every event_id kept in the deduplication window: this run's and the earlier arrival
    -- dates' a resent event can repeat.
    select event_id
    from deduplicated
    where received_date
        between {{ dbt.dateadd('day', -(var('max_lateness_days') + 1), run_start_date()) }}
        and {{ run_end_date() }}

),

batch_counts as (

    -- One pass over the batch: every raw row, and the valid rows whose event_id was kept, from
    -- this row or another. Each kept row is one of the latter, so duplicates are the rest of
    -- them: raw = clean + duplicates + quarantined then says that every valid row was kept or
    -- repeats a kept event, and every invalid row is quarantined. Kept ids are unique, so the
    -- join adds no rows.
    select
        classified.received_date,
        count(*) as raw_rows,
        count(kept_event_ids.event_id) as valid_with_kept_id_rows

    from classified
    left join kept_event_ids
        on classified.quarantine_reason is null
        and classified.event_id = kept_event_ids.event_id
    group by 1

),

duplicate_counts as (

    select
        batch_counts.received_date,
        batch_counts.valid_with_kept_id_rows - coalesce(clean_counts.clean_rows, 0) as duplicate_rows

    from batch_counts
    left join clean_counts
        on batch_counts.received_date = clean_counts.received_date

),

final as (

    select
        run_dates.received_date,
        coalesce(batch_counts.raw_rows, 0) as raw_rows,
        coalesce(clean_counts.clean_rows, 0) as clean_rows,
        coalesce(duplicate_counts.duplicate_rows, 0) as duplicate_rows,
        coalesce(quarantined_counts.quarantined_rows, 0) as quarantined_rows

    from run_dates
    left join batch_counts
        on run_dates.received_date = batch_counts.received_date
    left join clean_counts
        on run_dates.received_date = clean_counts.received_date
    left join duplicate_counts
        on run_dates.received_date = duplicate_counts.received_date
    left join quarantined_counts
        on run_dates.received_date = quarantined_counts.received_date

)

select * from final

{{ config(unique_key='received_date') }}

-- Every raw row of each arrival date, accounted for: raw = clean + duplicates + quarantined.
-- Each side is counted from the table that holds it, so the identity is a real check.

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

raw_counts as (

    select
        received_date,
        count(*) as raw_rows

    from classified
    group by 1

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

duplicate_counts as (

    -- Valid rows whose event_id was kept from another row.
    select
        classified.received_date,
        count(*) as duplicate_rows

    from classified
    where classified.quarantine_reason is null
        and exists (
            select 1 from deduplicated
            where deduplicated.event_id = classified.event_id
                and deduplicated.received_date
                    >= {{ dbt.dateadd('day', -(var('max_lateness_days') + 1), run_start_date()) }}
                and not (
                    deduplicated.source_file = classified.source_file
                    and deduplicated.source_row_number = classified.source_row_number
                )
        )
    group by 1

),

final as (

    select
        run_dates.received_date,
        coalesce(raw_counts.raw_rows, 0) as raw_rows,
        coalesce(clean_counts.clean_rows, 0) as clean_rows,
        coalesce(duplicate_counts.duplicate_rows, 0) as duplicate_rows,
        coalesce(quarantined_counts.quarantined_rows, 0) as quarantined_rows

    from run_dates
    left join raw_counts
        on run_dates.received_date = raw_counts.received_date
    left join clean_counts
        on run_dates.received_date = clean_counts.received_date
    left join duplicate_counts
        on run_dates.received_date = duplicate_counts.received_date
    left join quarantined_counts
        on run_dates.received_date = quarantined_counts.received_date

)

select * from final

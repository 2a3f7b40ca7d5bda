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
        raw_counts.received_date,
        raw_counts.raw_rows,
        coalesce(clean_counts.clean_rows, 0) as clean_rows,
        coalesce(duplicate_counts.duplicate_rows, 0) as duplicate_rows,
        coalesce(quarantined_counts.quarantined_rows, 0) as quarantined_rows

    from raw_counts
    left join clean_counts
        on raw_counts.received_date = clean_counts.received_date
    left join duplicate_counts
        on raw_counts.received_date = duplicate_counts.received_date
    left join quarantined_counts
        on raw_counts.received_date = quarantined_counts.received_date

)

select * from final

{{ config(unique_key='received_date') }}

-- Every raw row of each arrival date, accounted for: raw = clean + duplicates + quarantined.
-- Raw rows are the row counts of the date's files as they are now (bingewatch.ledger reads
-- them from the Parquet footers); clean and duplicate rows are counted in the valid rows' table
-- and quarantined rows in the quarantine table, so the identity is a real check
-- (tests/assert_raw_rows_accounted_for.sql): a row lost or counted twice between the raw files
-- and the tables breaks it. The run recounts every arrival date it can have changed: its
-- batch's, and up to max_lateness_days + 1 after them (a late file can turn later copies of
-- its events into duplicates). A date whose files were all empty still gets its zero row.

with

run_files as (

    select * from {{ ref('stg_bingewatch__run_files') }}

),

valid as (

    select * from {{ ref('int_playback_events_valid') }}

),

quarantined as (

    select * from {{ ref('int_playback_events_quarantined') }}

),

raw_counts as (

    select
        received_date,
        cast(sum(coalesce(raw_rows, 0)) as bigint) as raw_rows

    from run_files
    group by 1

),

valid_counts as (

    select
        received_date,
        count(case when not is_duplicate then 1 end) as clean_rows,
        count(case when is_duplicate then 1 end) as duplicate_rows

    from valid
    where received_date between {{ run_start_date() }} and {{ affected_end_date() }}
    group by 1

),

quarantined_counts as (

    select
        received_date,
        count(*) as quarantined_rows

    from quarantined
    where received_date between {{ run_start_date() }} and {{ affected_end_date() }}
    group by 1

),

final as (

    select
        raw_counts.received_date,
        raw_counts.raw_rows,
        coalesce(valid_counts.clean_rows, 0) as clean_rows,
        coalesce(valid_counts.duplicate_rows, 0) as duplicate_rows,
        coalesce(quarantined_counts.quarantined_rows, 0) as quarantined_rows

    from raw_counts
    left join valid_counts
        on raw_counts.received_date = valid_counts.received_date
    left join quarantined_counts
        on raw_counts.received_date = quarantined_counts.received_date

)

select * from final

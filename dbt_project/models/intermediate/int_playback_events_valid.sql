{{ config(unique_key='received_date') }}

-- One row per valid raw row (no quarantine reason), with is_duplicate: a row is a duplicate
-- when the copy of its event_id before it (by arrival: received_date, received_at, file, row)
-- arrived at most max_lateness_days + 1 days before it. That depends only on the set of copies,
-- never on which run saw which first, so a file that lands late in an old partition gives the
-- tables an in-order run gives: its rows can turn later copies, kept before, into duplicates.
-- The run rewrites the arrival dates it touches: its batch's, and those of the stored rows
-- whose status it changes; on other dates nothing is read beyond the copies of its event ids.

with

run_files as (

    select * from {{ ref('stg_bingewatch__run_files') }}

),

classified as (

    select * from {{ ref('int_playback_events_classified') }}

),

batch_valid as (

    select
        {{ valid_event_columns() }}

    from classified
    where quarantine_reason is null

),

stored as (

    -- Rows kept from earlier runs that a batch row can repeat; a file built again (a rerun
    -- after a crash, or reprocess) replaces its own stored rows.
    {% if is_incremental() %}
    select
        {{ valid_event_columns() }},
        is_duplicate

    from {{ this }}
    where received_date
        between {{ dbt.dateadd('day', -(var('max_lateness_days') + 1), run_start_date()) }}
        and {{ affected_end_date() }}
        and not {{ in_batch_files('source_file') }}
    {% else %}
    select
        *,
        false as is_duplicate
    from batch_valid
    where false
    {% endif %}

),

stored_copies as (

    select stored.*
    from stored
    where stored.event_id in (select event_id from batch_valid)

),

copies as (

    select
        *,
        true as is_in_batch
    from batch_valid
    union all
    select
        {{ valid_event_columns() }},
        false as is_in_batch
    from stored_copies

),

repeated_event_ids as (

    -- Resent events are a small share: only their copies are ordered, not the whole batch.
    select event_id
    from copies
    group by event_id
    having count(*) > 1

),

repeats_ranked as (

    select
        copies.source_file,
        copies.source_row_number,
        copies.received_date,
        lag(copies.received_date) over arrival as previous_copy_received_date

    from copies
    inner join repeated_event_ids
        on copies.event_id = repeated_event_ids.event_id
    window arrival as (
        partition by copies.event_id
        order by copies.received_date, copies.received_at, copies.source_file, copies.source_row_number
    )

),

duplicate_rows as (

    select
        source_file,
        source_row_number,
        received_date
    from repeats_ranked
    where previous_copy_received_date
        >= {{ dbt.dateadd('day', -(var('max_lateness_days') + 1), 'repeats_ranked.received_date') }}

),

batch_flagged as (

    select
        batch_valid.*,
        duplicate_rows.source_file is not null as is_duplicate

    from batch_valid
    left join duplicate_rows
        on batch_valid.source_file = duplicate_rows.source_file
        and batch_valid.source_row_number = duplicate_rows.source_row_number

),

newly_duplicated as (

    -- Stored kept rows that an earlier copy in the batch turns into duplicates.
    select
        stored_copies.source_file,
        stored_copies.source_row_number,
        stored_copies.received_date
    from stored_copies
    inner join duplicate_rows
        on stored_copies.source_file = duplicate_rows.source_file
        and stored_copies.source_row_number = duplicate_rows.source_row_number
    where not stored_copies.is_duplicate

),

rewritten_dates as (

    select distinct received_date from run_files
    where is_in_batch
    union
    select distinct received_date from newly_duplicated

),

stored_kept_on_rewritten_dates as (

    -- The rest of each rewritten arrival date, so the date is replaced whole.
    {% if is_incremental() %}
    select
        {{ valid_event_columns('existing') }},
        existing.is_duplicate or newly_duplicated.source_file is not null as is_duplicate

    from {{ this }} as existing
    left join newly_duplicated
        on existing.source_file = newly_duplicated.source_file
        and existing.source_row_number = newly_duplicated.source_row_number
    where existing.received_date
        between {{ run_start_date() }} and {{ affected_end_date() }}
        and existing.received_date in (select received_date from rewritten_dates)
        -- Files the ledger still holds (a file taken out by reprocess and gone leaves with it).
        and existing.source_file in (
            select path from run_files
            where not is_in_batch
        )
    {% else %}
    select * from batch_flagged
    where false
    {% endif %}

),

final as (

    select * from batch_flagged
    union all
    select * from stored_kept_on_rewritten_dates

)

select * from final

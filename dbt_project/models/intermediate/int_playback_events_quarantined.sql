{{ config(unique_key='received_date') }}

{%- set quarantined_columns = [
    'event_id', 'account_id', 'profile_id', 'playback_session_id', 'title_id', 'event_type',
    'quarantine_reason', 'source_file', 'media_offset_ms', 'source_row_number', 'received_date',
    'event_at', 'received_at',
] %}

-- Every rejected raw row with its reason (identifiers kept for debugging: internal only).
-- The run rewrites its batch's arrival dates whole: the batch's rows, and the rows of the
-- date's other files, kept as they were.

with

classified as (

    select * from {{ ref('int_playback_events_classified') }}

),

run_files as (

    select * from {{ ref('stg_bingewatch__run_files') }}

),

batch_quarantined as (

    select
        {{ quarantined_columns | join(',\n        ') }}

    from classified
    where quarantine_reason is not null

),

stored_on_batch_dates as (

    {% if is_incremental() %}
    -- Columns by name: Spark keeps a partition column last.
    select
        {{ quarantined_columns | join(',\n        ') }}

    from {{ this }}
    where received_date between {{ run_start_date() }} and {{ run_end_date() }}
        and received_date in (
            select received_date from run_files
            where is_in_batch
        )
        -- Files the ledger still holds (a file taken out by reprocess and gone leaves with it).
        and source_file in (
            select path from run_files
            where not is_in_batch
        )
    {% else %}
    select * from batch_quarantined
    where false
    {% endif %}

),

final as (

    select * from batch_quarantined
    union all
    select * from stored_on_batch_dates

)

select * from final

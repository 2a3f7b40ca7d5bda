{{ config(unique_key='received_date') }}

-- Rejected raw rows by arrival date and reason (counts only: the rows stay internal), recounted
-- whole for the run's batch dates.

with

quarantined as (

    select * from {{ ref('int_playback_events_quarantined') }}

),

run_files as (

    select * from {{ ref('stg_bingewatch__run_files') }}

),

final as (

    select
        received_date,
        quarantine_reason as reason,
        count(*) as rows

    from quarantined
    where received_date between {{ run_start_date() }} and {{ run_end_date() }}
        and received_date in (
            select received_date from run_files
            where is_in_batch
        )
    group by 1, 2

)

select * from final

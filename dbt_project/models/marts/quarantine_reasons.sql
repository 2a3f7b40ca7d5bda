{{ config(unique_key='received_date') }}

-- Rejected raw rows by arrival date and reason (counts only: the rows stay internal).

with

quarantined as (

    select * from {{ ref('int_playback_events_quarantined') }}

),

final as (

    select
        received_date,
        quarantine_reason as reason,
        count(*) as rows

    from quarantined
    where received_date between {{ run_start_date() }} and {{ run_end_date() }}
    group by 1, 2

)

select * from final

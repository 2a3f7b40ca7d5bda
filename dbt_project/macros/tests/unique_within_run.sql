{#- A generic test: no row of the run's arrival dates shares column_name with another row of
    those dates or of the `days_before` arrival dates before them. dbt's `unique` reads every
    row ever kept, so its nightly cost grows with history; this one reads the run and the
    window only (docs/benchmarks.md, growth with history). -#}
{% test unique_within_run(model, column_name, date_column='received_date', days_before=0) %}

with

run_rows as (

    select {{ column_name }} as value
    from {{ model }}
    where {{ date_column }} between {{ run_start_date() }} and {{ run_end_date() }}

),

repeated_in_run as (

    select value, count(*) as occurrences
    from run_rows
    group by value
    having count(*) > 1

),

seen_before_the_run as (

    select earlier.{{ column_name }} as value, 1 as occurrences
    from {{ model }} as earlier
    inner join run_rows
        on earlier.{{ column_name }} = run_rows.value
    where earlier.{{ date_column }} < {{ run_start_date() }}
        and earlier.{{ date_column }} >= {{ dbt.dateadd('day', -(days_before | int), run_start_date()) }}

)

select * from repeated_in_run
union all
select * from seen_before_the_run

{% endtest %}

{#- A generic test: no row of the run's arrival dates shares column_name with another row
    whose date is at most `days_apart` days from its own. dbt's `unique` reads every row ever
    kept, so its nightly cost grows with history; this one reads the run's dates and the window
    around them only (docs/benchmarks.md, growth with history). -#}
{% test unique_within_run(model, column_name, date_column='received_date', days_apart=0) %}

with

run_rows as (

    select {{ column_name }} as value, {{ date_column }} as row_date
    from {{ model }}
    where {{ date_column }} between {{ run_start_date() }} and {{ run_end_date() }}

),

window_rows as (

    select {{ column_name }} as value, {{ date_column }} as row_date
    from {{ model }}
    where {{ date_column }}
        between {{ dbt.dateadd('day', -(days_apart | int), run_start_date()) }}
        and {{ dbt.dateadd('day', days_apart | int, run_end_date()) }}

),

near_copies as (

    -- Rows of the window sharing a run row's value within days_apart: itself, and any other.
    select run_rows.value, run_rows.row_date, count(*) as occurrences
    from run_rows
    inner join window_rows
        on run_rows.value = window_rows.value
    where {{ dbt.datediff('window_rows.row_date', 'run_rows.row_date', 'day') }}
        between -{{ days_apart | int }} and {{ days_apart | int }}
    group by run_rows.value, run_rows.row_date
    having count(*) > 1

)

select value, row_date, occurrences from near_copies

{% endtest %}

{#- A generic test: no two rows share the given columns (dbt_utils' test, without the hub).
    With `within_run_dates` (a date column), only the rows whose date is one of the run's
    arrival dates are read: a table keyed by arrival date then costs what the run adds, not
    its whole history (as unique_within_run does for one column). -#}
{% test unique_combination_of_columns(model, columns, within_run_dates=none) %}
    select {{ columns | join(', ') }}, count(*) as rows
    from {{ model }}
    {%- if within_run_dates %}
    where {{ within_run_dates }} between {{ run_start_date() }} and {{ run_end_date() }}
    {%- endif %}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

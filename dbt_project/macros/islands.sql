{#-
    Gaps and islands. Rows ordered within a partition form islands: a row starts a new island
    when nothing came before it or it starts more than a gap after what came before
    (starts_new_island); the running count of island starts then numbers every row with its
    island, 1, 2, ... (island_number). Stretches, autoplay chains, viewing blocks and marathons
    are all built this way.
-#}

{#- Whether a row starts a new island (a boolean): previous_ended_at is null (no earlier row)
    or started_at is more than max_gap_ms after it. previous_ended_at is an expression such as
    lag(ended_at) over (...) or max(ended_at) over (... 1 preceding). -#}
{% macro starts_new_island(started_at, previous_ended_at, max_gap_ms) -%}
    ({{ previous_ended_at }} is null
        or {{ started_at }} > {{ add_milliseconds(previous_ended_at, max_gap_ms) }})
{%- endmacro %}

{#- The island number of each row: how many rows up to and including it (in order_by order
    within partition_by) start an island, given the boolean expression new_island. -#}
{% macro island_number(new_island, partition_by, order_by) -%}
    {{ return(adapter.dispatch('island_number', 'bingewatch')(new_island, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__island_number(new_island, partition_by, order_by) -%}
    sum(case when {{ new_island }} then 1 else 0 end) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

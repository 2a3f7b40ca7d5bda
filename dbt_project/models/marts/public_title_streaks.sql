{{ config(materialized='table') }}

-- How many viewers watched the same title (one film, or one episode) every day for
-- title_streak_days days ("53 people watched A Christmas Prince every day for 18 days"): a
-- public aggregate, so groups smaller than min_public_group_size are suppressed (a handful of
-- title-and-date pairs is enough to re-identify a subscriber, as the Netflix Prize data showed).

with

notable_viewers as (

    select * from {{ ref('notable_viewers') }}

),

streak_viewers as (

    select
        evidence as show_title,
        count(distinct viewer_key) as viewers

    from notable_viewers
    where rule = 'title_streak'
    group by 1

),

final as (

    select * from streak_viewers
    where viewers >= {{ var('min_public_group_size') }}

)

select * from final

with

source as (

    select * from {{ source('reference', 'titles') }}

),

renamed as (

    select
        title_id,
        series_id,
        title_type,
        title as title_name,
        series_title,
        -- The show a viewer follows: the series for episodes, the title itself otherwise.
        coalesce(series_id, title_id) as show_id,
        coalesce(series_title, title) as show_title,
        cast(season_number as integer) as season_number,
        cast(episode_number as integer) as episode_number,
        cast(runtime_s as integer) as runtime_s,
        title_type = 'episode' as is_episode,
        title_type in ('episode', 'film') as is_feature,
        cast(release_date as date) as release_date

    from source

)

select * from renamed

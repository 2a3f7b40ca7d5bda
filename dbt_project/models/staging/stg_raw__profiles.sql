with

source as (

    select * from {{ source('raw', 'profiles') }}

),

renamed as (

    select
        profile_id,
        account_id,
        time_zone,
        country as country_code,
        coalesce(cast(analytics_opt_out as boolean), false) as is_analytics_opt_out,
        cast(created_at as timestamp) as created_at

    from source

)

select * from renamed

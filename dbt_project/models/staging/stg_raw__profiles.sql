with

source as (

    select * from {{ source('reference', 'profiles') }}

),

renamed as (

    select
        profile_id,
        account_id,
        time_zone,
        country as country_code,
        -- Unknown is never consent: a NULL flag (never written by the validation) is opted out.
        coalesce(cast(analytics_opt_out as boolean), true) as is_analytics_opt_out,
        cast(created_at as timestamp) as created_at

    from source

)

select * from renamed

with

source as (

    select * from {{ source('bingewatch', 'viewer_keys') }}

),

renamed as (

    select
        profile_id,
        viewer_key

    from source

)

select * from renamed

with

source as (

    select * from {{ source('reference', 'erasure_requests') }}

),

renamed as (

    select
        account_id,
        cast(requested_at as timestamp) as requested_at

    from source

)

select * from renamed

with

source as (

    select * from {{ source('reference', 'rejected') }}

),

renamed as (

    select
        rejected_id,
        reference_table,
        reason as rejection_reason,
        detail as rejection_detail

    from source

)

select * from renamed

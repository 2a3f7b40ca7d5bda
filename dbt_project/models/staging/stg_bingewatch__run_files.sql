-- One row per raw file of the run (bingewatch.ledger writes them before each build): the batch
-- (is_in_batch) and the processed files of the arrival dates whose accounting it recounts.

with

source as (

    select * from {{ source('bingewatch', 'run_files') }}

),

renamed as (

    select
        path,
        fingerprint,
        cast(size_bytes as bigint) as size_bytes,
        cast(raw_rows as bigint) as raw_rows,
        cast(is_in_batch as boolean) as is_in_batch,
        cast(received_date as date) as received_date

    from source

)

select * from renamed

-- depends_on: {{ source('raw', 'playback_events') }}
-- depends_on: {{ source('bingewatch', 'run_files') }}

with

source as (

    -- Only the files of the run's batch (macros/run_files.sql): never a range of folders.
    select * from {{ batch_raw_events() }}

),

renamed as (

    select
        event_id,
        account_id,
        profile_id,
        playback_session_id,
        title_id,
        event_type,
        device_type,
        country as country_code,
        app_version,
        {{ raw_file_path('filename') }} as source_file,
        cast(media_offset_ms as bigint) as media_offset_ms,
        cast(file_row_number as bigint) as source_row_number,
        cast(autoplay as boolean) as is_autoplay,
        cast(received_date as date) as received_date,
        cast(event_ts as timestamp) as event_at,
        cast(received_at as timestamp) as received_at
        -- ip_address is personal data and stops here: no model downstream needs it.

    from source

),

categorised as (

    select
        *,
        (
            event_id is null or profile_id is null or playback_session_id is null
            or title_id is null or event_type is null or event_at is null
        ) as has_null_key,
        coalesce(
            event_type in ({{ quoted_list(var('event_types')) }}),
            false
        ) as is_known_event_type

    from renamed

)

select * from categorised

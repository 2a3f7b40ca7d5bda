-- Nobody watches more than the local day lasts (23, 24 or 25 hours).
select *
from {{ ref('viewer_days') }}
where watch_time_s > day_length_s
    or attended_s + unattended_s != watch_time_s

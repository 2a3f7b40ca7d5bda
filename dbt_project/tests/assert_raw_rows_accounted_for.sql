-- Every raw row ends clean, duplicate or quarantined: none is lost. Returns the dates that don't.
select *
from {{ ref('run_accounting') }}
where raw_rows != clean_rows + duplicate_rows + quarantined_rows

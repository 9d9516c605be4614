-- Every observed user-day lies inside the release's declared window (vars release_first_date ..
-- release_last_date), which is the panel's calendar: a day outside would silently fall out of
-- the dense grid. Returns the offending days.
select
    user_id,
    event_date
from {{ ref('int_user_day_observed') }}
where
    event_date < cast('{{ var("release_first_date") }}' as date)
    or event_date > cast('{{ var("release_last_date") }}' as date)

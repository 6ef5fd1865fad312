-- Row-rule building blocks shared by every entity's validation query (SPEC section 3).
create or replace macro sp_blank(x) as (x is null or trim(x) = '');

-- 18 characters: 17 digits and an ISO 7064 MOD 11-2 check character (the last may be 'X').
create or replace macro sp_id_number_ok(s) as (
    coalesce(
        regexp_full_match(s, '[0-9]{17}[0-9X]')
        and substr('10X98765432', 1 + (
              7 * try_cast(substr(s, 1, 1) as integer) + 9 * try_cast(substr(s, 2, 1) as integer)
            + 10 * try_cast(substr(s, 3, 1) as integer) + 5 * try_cast(substr(s, 4, 1) as integer)
            + 8 * try_cast(substr(s, 5, 1) as integer) + 4 * try_cast(substr(s, 6, 1) as integer)
            + 2 * try_cast(substr(s, 7, 1) as integer) + 1 * try_cast(substr(s, 8, 1) as integer)
            + 6 * try_cast(substr(s, 9, 1) as integer) + 3 * try_cast(substr(s, 10, 1) as integer)
            + 7 * try_cast(substr(s, 11, 1) as integer) + 9 * try_cast(substr(s, 12, 1) as integer)
            + 10 * try_cast(substr(s, 13, 1) as integer) + 5 * try_cast(substr(s, 14, 1) as integer)
            + 8 * try_cast(substr(s, 15, 1) as integer) + 4 * try_cast(substr(s, 16, 1) as integer)
            + 2 * try_cast(substr(s, 17, 1) as integer)
        ) % 11, 1) = substr(s, 18, 1),
        false
    )
);

-- 11 digits starting with 1.
create or replace macro sp_phone_ok(s) as (coalesce(regexp_full_match(s, '1[0-9]{10}'), false));

-- YYYY-MM-DD and a real calendar date.
create or replace macro sp_date_ok(s) as (
    coalesce(regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}') and try_cast(s as date) is not null, false)
);

-- ISO 8601 with an explicit offset (or Z): a timestamp without one is ambiguous, so rejected.
create or replace macro sp_timestamp_ok(s) as (
    coalesce(
        regexp_full_match(
            s, '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)'
        ) and try_cast(s as timestamptz) is not null,
        false
    )
);

create or replace macro sp_int_ok(s) as (coalesce(regexp_full_match(s, '-?[0-9]{1,9}'), false));

create or replace macro sp_number_ok(s) as (
    coalesce(regexp_full_match(s, '-?[0-9]{1,12}(\.[0-9]+)?') and try_cast(s as double) is not null, false)
);

-- A foreign key: unknown when the parent id never arrived, parent_quarantined when it was rejected.
create or replace macro sp_fk_reason(parent_id, parent_accepted, unknown_reason) as (
    case when parent_id is null then unknown_reason when not parent_accepted then 'parent_quarantined' end
);

-- Reasons in priority order; the first one is the row's quarantine reason.
create or replace macro sp_reasons(l) as (list_filter(l, lambda x: x is not null));

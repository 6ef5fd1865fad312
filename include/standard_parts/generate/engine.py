"""One generation batch per run date.

1. build the named rule views (``sql/rule_views.sql``) for the run date;
2. evaluate every catalogue rule's predicate and add the run date's instructions (candidates);
3. merge candidates per (standard part, object) (``sql/merge_candidates.sql``);
4. suppress what is open or in cooldown (``sql/suppress.sql``);
5. quarantine objects with no community or no officer; assign the rest, balancing load;
6. replace the run date's tasks and statistics in one transaction (a re-run yields the same ids).
"""

from __future__ import annotations

import heapq
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import duckdb

from .. import business_time
from ..catalogue import load_catalogue
from ..completions import refresh_reference
from ..config import Settings
from ..privacy import register_udf
from ..store import read_sql, transaction

log = logging.getLogger(__name__)


@dataclass
class GenerationResult:
    run_date: date
    candidates: int
    issued: int
    merged_away: int
    suppressed_open: int
    suppressed_cooldown: int
    unassignable: int
    flagged: int


def prepare(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> None:
    """Parameters, catalogue reference tables, valid completions and the rule views for a run date."""
    con.execute("create or replace temp table gen_params as select ?::date as run_date, ?::timestamptz as issued_at",
                [run_date, business_time.issued_at(run_date, settings.timezone)])
    # ops.catalogue_parts (terms, facts written back) and ops.valid_completions
    refresh_reference(con)
    con.execute(read_sql("generate/sql/valid_completions.sql"))
    con.execute(read_sql("generate/sql/rule_views.sql"))


def generate(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> GenerationResult:
    catalogue = load_catalogue()
    register_udf(con, settings.key_bytes)
    prepare(con, settings, run_date)

    con.execute(read_sql("generate/sql/candidates.sql"))
    rules = [(k, r, catalogue.part(r.part_id)) for k, r in enumerate(catalogue.rules)]
    con.executemany("insert into gen_rules values (?, ?, ?, ?, ?, ?)",
                    [[k, r.view, p.id, p.object_type, r.department, r.id] for k, r, p in rules])
    for view in sorted({r.view for _, r, _ in rules}):
        con.execute(candidates_sql(view, [(k, r.sql()) for k, r, _ in rules if r.view == view]))
    con.execute(read_sql("generate/sql/instruction_candidates.sql"))
    con.execute(read_sql("generate/sql/merge_candidates.sql"))
    con.execute(read_sql("generate/sql/suppress.sql"))
    con.execute(read_sql("generate/sql/issue.sql"))
    assignments = _assign(con)

    with transaction(con):
        con.execute("delete from ops.tasks where run_date = ?", [run_date])
        con.execute("delete from ops.generation_stats where run_date = ?", [run_date])
        con.execute("delete from ops.generation_quarantine where run_date = ?", [run_date])
        con.execute(
            "create or replace temp table gen_assignment as "
            "select unnest(?::varchar[]) as task_id, unnest(?::varchar[]) as officer_id, unnest(?::boolean[]) as flagged",
            [[a[0] for a in assignments], [a[1] for a in assignments], [a[2] for a in assignments]],
        )
        con.execute(read_sql("generate/sql/store_tasks.sql"))
    totals = con.execute(
        """
        select coalesce(sum(candidates), 0), coalesce(sum(issued), 0), coalesce(sum(merged_away), 0),
               coalesce(sum(suppressed_open), 0), coalesce(sum(suppressed_cooldown), 0),
               coalesce(sum(unassignable), 0), coalesce(sum(flagged), 0)
        from ops.generation_stats where run_date = ?
        """,
        [run_date],
    ).fetchone()
    result = GenerationResult(run_date, *[int(v) for v in totals])
    log.info("generation %s: %s", run_date, result)
    return result


def candidates_sql(view: str, predicates: list[tuple[int, str]]) -> str:
    """One scan of a rule view for all of its rules: each row lists the rules it meets.

    The view name and the predicates are catalogue code (schema-validated, checked against empty
    views by ``check_predicates``), never feed data. A predicate that is NULL does not match, as in
    ``where``.
    """
    hits = ",\n        ".join(f"case when ({sql}) then {k} end" for k, sql in predicates)
    return f"""
insert into gen_candidates
select r.standard_part_id, r.object_type, v.object_id, r.department, r.rule_id, null, v.community_id, v.station_id
from (
    select object_id, community_id, station_id, unnest(list_filter([
        {hits}
    ], lambda k: k is not null)) as k
    from {view}
) as v
join gen_rules as r on r.k = v.k
"""


def _assign(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, bool]]:
    """Each task to the least-loaded active community officer of its community (ties: officer id);
    with none, to the least-loaded active officer of its station, flagged. Load = open tasks + new."""
    tasks = con.execute(
        "select task_id, community_id, station_id from gen_to_issue order by community_id, priority, task_id"
    ).fetchall()
    officers = con.execute(
        """
        with open_load as (
            select t.officer_id, count(*) as open_tasks
            from ops.tasks as t
            cross join gen_params as g
            where t.run_date < g.run_date
              and t.task_id not in (select task_id from gen_valid_completions)
            group by t.officer_id
        )
        select o.officer_id, o.role, o.community_id, o.station_id, coalesce(l.open_tasks, 0)
        from ops.officers as o
        left join open_load as l on l.officer_id = o.officer_id
        where o.active
        """
    ).fetchall()
    load = {oid: n for oid, _, _, _, n in officers}
    by_community: dict[str, list] = defaultdict(list)
    by_station: dict[str, list] = defaultdict(list)
    for oid, role, community, station, _ in officers:
        if role == "community" and community:
            by_community[community].append(oid)
        by_station[station].append(oid)
    heaps: dict[tuple[str, str], list] = {}

    def pick(kind: str, key: str, pool: list[str]) -> str:
        heap = heaps.get((kind, key))
        if heap is None:
            heap = [(load[o], o) for o in pool]
            heapq.heapify(heap)
            heaps[(kind, key)] = heap
        while True:  # entries go stale when the same officer is used through the other pool
            n, oid = heapq.heappop(heap)
            if n == load[oid]:
                break
            heapq.heappush(heap, (load[oid], oid))
        load[oid] += 1
        heapq.heappush(heap, (load[oid], oid))
        return oid

    out = []
    for task_id, community, station in tasks:
        if by_community.get(community):
            out.append((task_id, pick("c", community, by_community[community]), False))
        elif by_station.get(station):
            out.append((task_id, pick("s", station, by_station[station]), True))
        # else: no active officer at all -> store_tasks.sql quarantines it as no_officer
    return out



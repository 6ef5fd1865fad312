"""Hand-offs to partner departments (一键流转 closed loop) and supervision of red work (督办), SPEC section 12.

* :func:`refresh_partners` writes the validated partner list (``partner_departments.yaml``) into
  ``ops.partner_departments``, with every department named by a hand-off but not configured (defaults,
  ``routed = false``), so the marts judge every department by its own service levels;
* :func:`supervise` records the run date's escalations in ``ops.escalations`` (once per task, on the
  first run date it qualifies); the publish stage reads them into the leaders' ``supervision_list``;
* :func:`handoff_documents` / :func:`publish_handoffs`: one document per department per night with the
  hand-offs opened by that night's completions, through the packages' ledger and transports;
* the ``handoffs`` feed (department events) goes through the common loader and gate
  (``feeds.HANDOFFS``, ``ingest/sql/handoff_events.sql``, ``expectations/ingest.handoff_events.json``).

This package imports downward (publish, store) and is imported only by ``pipeline.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb

from .. import business_time
from ..config import Settings
from ..publish.transports import DocumentKind
from ..store import read_named_sql, transaction
from .partners import PartnerConfigError, Partners, load_partners

log = logging.getLogger(__name__)

__all__ = ["HANDOFF_DOCUMENT", "PartnerConfigError", "Partners", "document_id", "handoff_documents",
           "load_partners", "publish_handoffs", "refresh_partners", "supervise"]

HANDOFF_DOCUMENT = DocumentKind(
    name="hand-off document",
    id_key="document_id",
    recipient_key="department_code",
    list_key="handoffs",
    required=("document_id", "department_code", "department", "run_date", "handoffs"),
    resource="handoffs",
)


def document_id(run_date: date, code: str) -> str:
    """Deterministic: the Idempotency-Key of a department's document of one night."""
    return f"HO-{run_date:%Y%m%d}-{code}"


def refresh_partners(con: duckdb.DuckDBPyConnection, settings: Settings) -> Partners:
    """Rewrite ``ops.partner_departments`` from the configuration and the departments seen in hand-offs."""
    partners = load_partners(settings.handoff_departments)
    seen = [r[0] for r in con.execute(read_named_sql("handoffs/sql/handoffs.sql")["departments_seen"]).fetchall()]
    rows = {}
    for name in [*partners.departments, *seen]:
        d = partners.get(name)
        rows[name] = [d.name, d.code, d.name_zh, d.ack_hours, d.resolve_hours, d.routed]
    unrouted = [name for name in seen if not partners.get(name).routed]
    if unrouted:
        log.warning("hand-offs name %d department(s) not in %s (defaults used, flagged unrouted): %s",
                    len(unrouted), partners.source, ", ".join(unrouted[:10]))
    with transaction(con):
        con.execute("delete from ops.partner_departments")
        if rows:
            con.executemany("insert into ops.partner_departments values (?, ?, ?, ?, ?, ?)", list(rows.values()))
    return partners


def supervise(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> dict:
    """Escalate the run date's newly qualifying tasks (SPEC 12); a re-run of the date gives the same rows."""
    queries = read_named_sql("handoffs/sql/handoffs.sql")
    params = {"run_date": run_date, "issued_at": business_time.issued_at(run_date, settings.timezone),
              "escalate_after_hours": settings.escalate_after_hours}
    with transaction(con):
        con.execute(f"create or replace temp table sup_new as {queries['escalate']}", params)
        # The first qualifying run date wins: a date re-run after later ones takes their rows back.
        con.execute("delete from ops.escalations where escalated_on = ? "
                    "or (escalated_on > ? and task_id in (select task_id from sup_new))", [run_date, run_date])
        con.execute("insert into ops.escalations by name select * from sup_new "
                    "where task_id not in (select task_id from ops.escalations)")
        escalated, flagged = con.execute(
            "select count(*), count(*) filter (where flagged) from ops.escalations where escalated_on = ?",
            [run_date]).fetchone()
    if flagged:
        log.warning("supervision %s: %d escalated task(s) have no active leader at their station (flagged)",
                    run_date, flagged)
    log.info("supervision %s: %d task(s) escalated", run_date, escalated)
    return {"escalated": escalated, "flagged_no_leader": flagged}


def handoff_documents(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date) -> list[dict[str, Any]]:
    """One document per department with the hand-offs opened by the run date's completions file.

    A pure function of the run date's data (no wall-clock time, sorted), so a re-sent document is
    byte-identical. Needs :func:`refresh_partners` first (every department named has a row).
    """
    rel = con.execute(read_named_sql("handoffs/sql/handoffs.sql")["opened_on"], {"run_date": run_date})
    columns = [d[0] for d in rel.description]
    by_department: dict[str, list[dict]] = {}
    for row in rel.fetchall():
        item = dict(zip(columns, row, strict=True))
        by_department.setdefault(item.pop("department"), []).append(item)
    partners = load_partners(settings.handoff_departments)
    documents = []
    for name in sorted(by_department):
        d = partners.get(name)
        documents.append({
            "document_id": document_id(run_date, d.code),
            "run_date": run_date.isoformat(),
            "department": name,
            "department_code": d.code,
            "routed": d.routed,
            "ack_hours": d.ack_hours,
            "resolve_hours": d.resolve_hours,
            "handoffs": by_department[name],
        })
    return documents


def publish_handoffs(con: duckdb.DuckDBPyConnection, settings: Settings, run_date: date, target: str,
                     spool_dir: str | None = None, transport=None):
    """Deliver the run date's hand-off documents to ``target`` (``DIR/handoffs/…`` or ``URL/handoffs``)
    through the packages' ledger: what was delivered is never sent again, a re-send is byte-identical."""
    from ..publish.ledger import publish_packages

    refresh_partners(con, settings)
    documents: Iterator[dict] = iter(handoff_documents(con, settings, run_date))
    return publish_packages(con, documents, target, transport=transport, spool_dir=spool_dir,
                            document=HANDOFF_DOCUMENT)

"""``outreach audit``: who did what to which record, newest first, and whether the hash chain
holds. Audit rows name fields, never their values, so neither does this."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from outreach.cli import app
from outreach.cli.common import JsonOption, StoreOption, UserOption, errors_shown, say, unlock
from outreach.cli.tables import plain_table

if TYPE_CHECKING:
    from outreach.services.audit_log import AuditRow, ChainCheck
    from outreach.store.audit import SignatureCheck

HEADER = ("#", "When (UTC)", "Who", "Action", "Record", "Fields")


@app.command()
def audit(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="First day to list (UTC), e.g. 2024-06-01 or 01/06/2024.",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Last day to list (UTC), included.", show_default=False),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(
            "--action",
            help="Only this action (conversation.log), or a group of them (conversation).",
            show_default=False,
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Only what this account did.", show_default=False),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many rows, newest first (1 to 10000).")
    ] = 50,
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """List the audit log, newest first, and check its hash chain and every row's signature
    (admins only).

    Exits 1 when the chain or a signature does not verify.
    """
    from outreach.services.audit_log import audit_rows, check_audit_chain, check_audit_signatures
    from outreach.services.dates import parse_optional_date

    with errors_shown():
        first = parse_optional_date(since, "since")
        last = parse_optional_date(until, "until")
        with unlock(store, user) as opened:
            rows = audit_rows(
                opened, since=first, until=last, action=action, actor=actor, limit=limit
            )
            chain = check_audit_chain(opened)
            signatures = check_audit_signatures(opened)
            # Rows lost or changed since keys.json recorded the head (said once, at unlock).
            head = opened.head_warning
    if as_json:
        result = _as_json(rows, chain)
        result["head"] = {"verified": head is None, "problem": head}
        result["signatures"] = (
            {
                "verified": not signatures.failed,
                "signed": signatures.signed,
                "unsigned": signatures.unsigned,
                "failed": signatures.failed,
                "problems": signatures.problems,
            }
            if signatures is not None
            else None
        )
        say(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        for line in table_lines(rows):
            say(line)
        say(chain_line(chain))
        if signatures is not None and signatures.failed:
            say(signatures_line(signatures))
        if head:
            say(f"Audit head: {head}.")
    if not chain.verified or head or (signatures is not None and signatures.failed):
        raise typer.Exit(1)


def table_lines(rows: list[AuditRow]) -> list[str]:
    """The rows as aligned columns under a header, within 80 columns (the fields wrap, or go
    on the lines under their row when fewer than 24 columns are left for them); one line
    saying so when there are none."""
    if not rows:
        return ["No audit rows match."]
    return plain_table(
        [
            (
                str(r.id),
                f"{r.at:%Y-%m-%d %H:%M:%S}",
                r.account or "-",
                r.action,
                _record(r),
                _fields(r),
            )
            for r in rows
        ],
        headings=HEADER,
        # Long actions and records (screening.record, screening_event 10010) leave the
        # fields a few letters a line: below this they go on their own line under the row.
        min_wrap=24,
    )


def chain_line(chain: ChainCheck) -> str:
    """The last line: whether every row of the audit links up."""
    if chain.verified:
        if chain.rows == 1:
            return "Audit chain verified: its one row is intact."
        return f"Audit chain verified: all {chain.rows} rows link up."
    return (
        f"Audit chain BROKEN at row {chain.broken_at}: {chain.reason}. "
        "Keep a copy of this store as it is, and run outreach check."
    )


def signatures_line(found: SignatureCheck) -> str:
    """The line naming the rows whose signature fails (said only when one does)."""
    more = found.failed - len(found.problems)
    tail = f"; and {more} more row{'s' if more > 1 else ''}" if more else ""
    return (
        f"Audit signatures FAIL: {'; '.join(found.problems)}{tail}. "
        "Keep a copy of this store as it is, and run outreach check."
    )


def _record(row: AuditRow) -> str:
    if row.entity_id is None:
        return row.entity or "-"
    return f"{row.entity} {row.entity_id}"


def _fields(row: AuditRow) -> str:
    return ", ".join(row.fields) or "-"


def _as_json(rows: list[AuditRow], chain: ChainCheck) -> dict[str, object]:
    return {
        "rows": [
            {
                "id": r.id,
                "at": r.at.isoformat(),
                "actor": r.account,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "fields": r.fields,
            }
            for r in rows
        ],
        "chain": {
            "verified": chain.verified,
            "rows": chain.rows,
            "broken_at": chain.broken_at,
            "reason": chain.reason,
        },
    }

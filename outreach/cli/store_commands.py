"""``outreach init``, ``outreach check`` and ``outreach keys ...``: the store and its key slots."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from outreach.cli import app
from outreach.cli.common import (
    StoreOption,
    UserOption,
    errors_shown,
    fail,
    new_passphrase,
    passphrase,
    recovery_code,
    say,
    store_folder,
    unlock,
)
from outreach.cli.tables import plain_table
from outreach.errors import ValidationError

if TYPE_CHECKING:
    from outreach.store.check import BackupHead, PublishedHead

keys = typer.Typer(help="Manage accounts and their key slots.", no_args_is_help=True)
app.add_typer(keys, name="keys")


@app.command()
def init(
    site: Annotated[str, typer.Option("--site", help="Name of the site the store serves.")],
    user: Annotated[
        str, typer.Option("--user", envvar="OUTREACH_USER", help="Name of the first admin account.")
    ],
    store: StoreOption = None,
) -> None:
    """Create a new encrypted store with its first admin account; prints the recovery code once."""
    from outreach.store.store import Store

    with errors_shown():
        folder = store_folder(store)
        secret = new_passphrase("Passphrase for the new account")
        created, recovery = Store.init(folder, site_name=site, admin=user, passphrase=secret)
        created.close()
    say(f"Created a store for {site} in {folder} with admin account {user}.")
    say("")
    say("Recovery code (shown this once; write it down and keep it locked away):")
    say(f"    {recovery}")
    say("It opens the store if every passphrase is lost: outreach keys recover.")


@app.command()
def check(
    store: StoreOption = None,
    user: UserOption = None,
    export: Annotated[
        list[Path] | None,
        typer.Option(
            "--export",
            help="An export folder whose manifest's audit head must be in this store's chain "
            "(repeat for several).",
            show_default=False,
        ),
    ] = None,
    backup: Annotated[
        list[Path] | None,
        typer.Option(
            "--backup",
            help="A backup file of this store whose recorded audit head must still be the row "
            "it was (repeat for several): a later rewrite of the audit shows here.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Verify a store: page encryption, integrity, references, schema, key slots, audit chain,
    signatures and heads (and those of the exports and backups given), and the month figures
    (and a region's sums) it keeps against counting them afresh.

    Exits 0 only when every check holds.
    """
    from outreach.region.sums import check_finding as region_sums_finding
    from outreach.stats.month_activity import check_finding as month_counts_finding
    from outreach.stats.month_cache import check_finding
    from outreach.store.check import Finding, check_store
    from outreach.store.unlocking import unwrap_data_key

    with errors_shown():
        folder = store_folder(store)
        keyfile, _, data_key = unwrap_data_key(folder, user=user, passphrase=passphrase())
        findings = check_store(
            folder,
            data_key,
            keyfile,
            [_published_head(path) for path in export or []],
            [_backup_head(path) for path in backup or []],
        )
        # Derived data the stats keep, counted afresh (the store layer knows no measures).
        findings.append(Finding("month figures", *check_finding(folder, data_key)))
        findings.append(Finding("month counts", *month_counts_finding(folder, data_key)))
        findings.append(Finding("region sums", *region_sums_finding(folder, data_key)))
    width = max(len(f.name) for f in findings)
    for f in findings:
        say(f"{'ok  ' if f.ok else 'FAIL'}  {f.name:<{width}}  {f.detail}")
    if not all(f.ok for f in findings):
        raise fail("the store has problems (see FAIL lines above)")


def _backup_head(path: Path) -> BackupHead:
    """The audit head a backup's header recorded when it was made (no passphrase needed)."""
    from outreach.store.backup import read_backup_info
    from outreach.store.check import BackupHead

    info = read_backup_info(path)
    row_id = info.audit_head.get("id")
    return BackupHead(
        label=f"the backup {path.name} (made {info.created_at[:16]})",
        store_id=info.store_id,
        row_id=int(row_id) if row_id is not None else None,
        hash=str(info.audit_head.get("hash", "")),
    )


def _published_head(folder: Path) -> PublishedHead:
    """The audit head an export folder's manifest carries, once the manifest verifies."""
    from outreach.exports.signing import verify_export
    from outreach.store.check import PublishedHead

    found = verify_export(folder)
    label = f"the export in {folder}"
    if found.manifest.get("period"):
        label += f" ({found.manifest['period']})"
    if found.problems:
        return PublishedHead(label, "", "; ".join(found.problems))
    return PublishedHead(label, str(found.manifest.get("audit_chain_head", "")))


@keys.command("list")
def keys_list(store: StoreOption = None, user: UserOption = None) -> None:
    """List the key slots: one per account, plus the recovery slot."""
    with errors_shown():
        opened = unlock(store, user)
        slots = opened.slots()
        opened.close()
    table = []
    for slot in slots:
        kdf = slot.kdf
        table.append(
            (
                slot.id[:8],
                slot.kind,
                f"{slot.account} ({slot.role})" if slot.account else "recovery code",
                f"argon2id t={kdf.iterations} m={kdf.memory_kib // 1024} MiB p={kdf.lanes}",
            )
        )
    for line in plain_table(table, wrap=(2,)):
        say(line)


@keys.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Name of the new account.")],
    role: Annotated[str, typer.Option("--role", help="admin, staff or viewer.")] = "staff",
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Add an account with its own passphrase (admins only)."""
    from outreach.model import Role

    with errors_shown():
        try:
            chosen = Role(role)
        except ValueError:
            raise ValidationError("role", "one of admin, staff, viewer") from None
        with unlock(store, user) as opened:
            secret = new_passphrase(f"Passphrase for {name}")
            opened.add_account(name, chosen, secret)
    say(f"Added {name} ({chosen.value}).")


@keys.command("remove")
def keys_remove(
    name: Annotated[str, typer.Argument(help="Account to remove.")],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Remove an account and its key slot, and re-encrypt the store under a new data key
    (admins only; the last admin stays). Close the store everywhere else first."""
    with errors_shown(), unlock(store, user) as opened:
        opened.remove_account(name)
    say(
        f"Removed {name}. The store is now under a new key that {name}'s old slot does not "
        "open; backups made before this still open with it."
    )


@keys.command("rotate")
def keys_rotate(store: StoreOption = None, user: UserOption = None) -> None:
    """Re-encrypt the store under a new data key and give it to every account and the
    recovery code (admins only). Close the store everywhere else first."""
    with errors_shown(), unlock(store, user) as opened:
        opened.rotate_key()
    say(
        "The store is now under a new data key; every account and the recovery code open it "
        "as before. Copies of keys.json and backups made before this open only older copies."
    )


@keys.command("passwd")
def keys_passwd(store: StoreOption = None, user: UserOption = None) -> None:
    """Change your own passphrase."""
    with errors_shown(), unlock(store, user) as opened:
        opened.change_passphrase(new_passphrase())
    say("Passphrase changed.")


@keys.command("recover")
def keys_recover(
    user: Annotated[
        str,
        typer.Option("--user", envvar="OUTREACH_USER", help="Account to give a new passphrase."),
    ],
    store: StoreOption = None,
) -> None:
    """Use the recovery code to set a new passphrase for an account."""

    from outreach.store.store import Store

    with errors_shown():
        code = recovery_code()
        secret = new_passphrase(f"New passphrase for {user}")
        Store.recover(store_folder(store), code=code, user=user, new_passphrase=secret).close()
    say(f"New passphrase set for {user}.")

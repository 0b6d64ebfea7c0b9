"""``intercop exchange keys/export/import/authorise``: signed, sealed referral bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.exchange.authorisations import authorisation_json, authorise_transfer
from intercop.exchange.bundles import (
    DEFAULT_DAYS,
    DEFAULT_HANDLING,
    DEFAULT_TLP,
    export_referral,
    import_referral,
    record_refusal,
)
from intercop.exchange.errors import ExchangeError
from intercop.exchange.keys import ensure_keys
from intercop.store.database import open_store
from intercop.store.models import HANDLING_CODES, TLP_LABELS

# merged into ``exchange_app`` (cli/exchange.py): its commands are ``intercop exchange X``
app = typer.Typer()

PersonArg = Annotated[str, typer.Argument(help="Person id (see `intercop persons`).")]
ToOpt = Annotated[str, typer.Option("--to", help="Receiving agency (country code), e.g. FI.")]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="Sending agency (default: the user's own)."),
]


@app.command("keys")
def keys(
    agency: Annotated[str, typer.Option("--agency", help="This agency's code, e.g. NL.")],
    as_json: JsonOpt = False,
) -> None:
    """Create this agency's key pairs on first use; print the PUBLIC keys for partners."""
    made, created = ensure_keys(STATE.workspace(), agency)
    data = {**made.public_json(), "created": created}
    if as_json:
        print_json(data)
        return
    out.print(f"Keys of [bold]{made.agency}[/bold] ({'created' if created else 'existing'})")
    out.print(f"  signing (Ed25519):    {made.sign_public}  [{made.sign_fingerprint}]")
    out.print(f"  encryption (X25519):  {made.box_public}  [{made.box_fingerprint}]")
    out.print("Partners register them with (check the fingerprints by phone):")
    out.print(f"  {data['add_command']}")


@app.command("export")
def export(
    person_id: PersonArg,
    to: ToOpt,
    out_path: Annotated[Path, typer.Option("--out", help="Bundle file to write (.icb).")],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is disclosed (audit log).")
    ] = None,
    handling: Annotated[
        str, typer.Option("--handling", help=f"Handling code: {', '.join(HANDLING_CODES)}.")
    ] = DEFAULT_HANDLING,
    tlp: Annotated[
        str, typer.Option("--tlp", help=f"TLP label: {', '.join(TLP_LABELS)}.")
    ] = DEFAULT_TLP,
    days: Annotated[
        int, typer.Option("--days", help="Days until the bundle expires.", min=1, max=365)
    ] = DEFAULT_DAYS,
    from_agency: FromOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a person's referral for another agency: signed by us, sealed for them."""
    workspace = STATE.workspace()
    with open_store(workspace) as store, store.session() as session:
        done = export_referral(workspace, session, person_id, to, user, reason, out=out_path,
                               handling=handling, tlp=tlp, days=days,
                               from_agency=from_agency)  # fmt: skip
        session.commit()
    if as_json:
        print_json(done.as_json())
        return
    out.print(
        f"Referral of [bold]{done.person_id}[/bold] {done.sender} -> {done.recipient} written to "
        f"{done.path} ({done.handling}, TLP:{done.tlp.upper()}, {done.accounts} accounts, "
        f"expires {done.expires_at:%Y-%m-%d})"
    )
    if done.withheld:
        owners = ", ".join(f"{n} of {a}" for a, n in sorted(done.withheld.items()))
        out.print(f"  withheld accounts of other agencies' datasets: {owners}")


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="Bundle file (.icb).")],
    agency: Annotated[str, typer.Option("--agency", help="The importing agency, e.g. FI.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a referral bundle (signature, recipient, expiry, replay) and open the case."""
    workspace = STATE.workspace()
    with open_store(workspace) as store, store.session() as session:
        try:
            done = import_referral(workspace, session, path, agency, user)
        except ExchangeError as exc:
            session.rollback()
            record_refusal(session, user or STATE.settings().user, agency.upper(),
                           path.name, exc.message)  # fmt: skip
            raise
        session.commit()
    if as_json:
        print_json(done.as_json())
        return
    out.print(
        f"Bundle {done.bundle_id} from {done.sender}: case [bold]{done.case_id}[/bold] "
        f"({'new' if done.new_case else 'existing'}) for person {done.person_id} at "
        f"{done.recipient}, {done.handling}, TLP:{done.tlp.upper()}"
    )


@app.command("authorise")
def authorise(
    person_id: PersonArg,
    to: ToOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why the transfer is lawful.")],
    from_agency: FromOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a supervisor's authorisation to send a person to an agency outside the EU."""
    with open_store(STATE.workspace()) as store, store.session() as session:
        auth = authorise_transfer(session, person_id, to, user, reason, from_agency=from_agency)
        session.commit()
        data = authorisation_json(auth)
    if as_json:
        print_json(data)
        return
    out.print(
        f"Authorisation {data['id']}: {data['agency']} may send {person_id} to "
        f"{data['to_agency']} (by {data['authorised_by']})"
    )

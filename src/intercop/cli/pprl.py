"""``intercop exchange pprl encode/match/resolve``: overlap with a partner, no identities shared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from intercop.access import require
from intercop.audit import record
from intercop.cli.context import STATE, out, print_json
from intercop.cli.options import JsonOpt, UserOpt
from intercop.exchange.pprl.encoding import encode_records, read_encoding, write_encoding
from intercop.exchange.pprl.match import DEFAULT_THRESHOLD, match
from intercop.exchange.pprl.resolve import read_result, resolve_pairs
from intercop.exchange.pprl.schema import DEFAULT_FIELDS, DEFAULT_LENGTH, HARDENING, make_schema
from intercop.exchange.pprl.secret import load_secret, reference_key
from intercop.exchange.pprl.sources import person_accounts, workspace_records
from intercop.store.database import open_store

pprl_app = typer.Typer(
    help="Privacy-preserving overlap: keyed Bloom-filter encodings (CLKs) matched by Dice.",
    no_args_is_help=True,
)


@pprl_app.command("encode")
def encode(
    secret_file: Annotated[
        Path, typer.Option("--secret-file", help="The secret agreed for this exchange (>= 32 B).")
    ],
    out_path: Annotated[Path, typer.Option("--out", help="Encoding file to write (JSON).")],
    fields: Annotated[
        list[str] | None,
        typer.Option("--field", "--fields", help="Field to encode (repeat); default: all six."),
    ] = None,
    length: Annotated[int, typer.Option("--length", help="Bloom filter bits.")] = DEFAULT_LENGTH,
    hardening: Annotated[
        str, typer.Option("--hardening", help=f"One of {', '.join(HARDENING)}.")
    ] = "none",
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Encode this workspace's persons as CLKs under the exchange secret."""
    ws = STATE.workspace()
    secret = load_secret(secret_file)
    chosen = tuple(f for part in (fields or []) for f in part.split(",") if f) or DEFAULT_FIELDS
    schema = make_schema(chosen, length=length, hardening=hardening)
    with open_store(ws) as store, store.session() as session:
        who = require(session, user, "pprl.encode")
        ref_key = reference_key(ws.secret_key(), secret.fingerprint)
        encoding = encode_records(workspace_records(ws, ref_key), schema, secret)
        write_encoding(encoding, out_path)
        summary = {
            "out": str(out_path),
            "count": encoding.count,
            "persons": len(set(encoding.refs)),
            "fields": list(chosen),
            "secret_fingerprint": encoding.secret_fingerprint,
        }
        record(session, who.name, "pprl.encode", agency=who.agency, object_type="pprl",
               object_id=secret.fingerprint[:16], detail=summary)  # fmt: skip
        session.commit()
    if as_json:
        print_json(summary)
    else:
        out.print(
            f"{encoding.count:,} CLKs of {summary['persons']:,} persons written to {out_path} "
            f"(secret fingerprint {secret.fingerprint[:16]}…)"
        )


@pprl_app.command("match")
def match_command(
    encoding_a: Annotated[Path, typer.Argument(help="Encoding file of side A.")],
    encoding_b: Annotated[Path, typer.Argument(help="Encoding file of side B.")],
    threshold: Annotated[
        float, typer.Option("--threshold", help="Dice score at or above which two CLKs match.")
    ] = DEFAULT_THRESHOLD,
    pairs: Annotated[
        bool, typer.Option("--pairs", help="Include the matched pairs of opaque refs.")
    ] = False,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Also write the result to this file.")
    ] = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Count (and optionally pair) the persons present in both encodings."""
    a, b = read_encoding(encoding_a), read_encoding(encoding_b)
    result = match(a, b, threshold=threshold)
    data = result.as_json(with_pairs=pairs)
    with open_store(STATE.workspace()) as store, store.session() as session:
        who = require(session, user, "pprl.match")
        detail = {k: data[k] for k in ("overlap", "threshold", "comparisons", "records")}
        record(session, who.name, "pprl.match", agency=who.agency, object_type="pprl",
               object_id=result.secret_fingerprint[:16],
               detail={**detail, "secret_fingerprint": result.secret_fingerprint,
                       "pairs": pairs})  # fmt: skip
        session.commit()
    if out_path is not None:
        out_path.write_text(json.dumps(data, indent=2) + "\n")
    if as_json:
        print_json(data)
    else:
        out.print(
            f"overlap: {result.overlap:,} persons at Dice >= {threshold} "
            f"({result.comparisons:,} comparisons in {result.seconds:.2f}s)"
        )


@pprl_app.command("resolve")
def resolve_command(
    result_path: Annotated[Path, typer.Argument(help="Result written by `match --pairs --out`.")],
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Map this workspace's own refs in a match result back to its person ids."""
    ws = STATE.workspace()
    result = read_result(result_path)
    with open_store(ws) as store, store.session() as session:
        who = require(session, user, "pprl.resolve")
        persons = sorted({pid for pid, _ in person_accounts(ws)})
        resolved = resolve_pairs(result, ws.secret_key(), persons)
        record(session, who.name, "pprl.resolve", agency=who.agency, object_type="pprl",
               object_id=str(result.get("secret_fingerprint", ""))[:16],
               detail={"pairs": len(result["pairs"]), "resolved": len(resolved)})  # fmt: skip
        session.commit()
    if as_json:
        print_json({"resolved": [r.as_json() for r in resolved], "pairs": len(result["pairs"])})
        return
    for r in resolved:
        out.print(f"{r.person_id}\t{r.score:.3f}\tpartner ref {r.partner_ref}")
    out.print(f"{len(resolved):,} of {len(result['pairs']):,} pairs are this workspace's persons")

"""``intercop splash DOMAIN --out DIR``: the localised splash page of a seized domain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intercop.casework.agencies import workspace_agencies
from intercop.cli.context import STATE, out, print_json
from intercop.outreach.locales import SUPPORTED
from intercop.outreach.splash import SplashError, write_splash


def splash(
    domain: Annotated[str, typer.Argument(help="The seized domain, e.g. booter.example.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the pages into.")],
    agency: Annotated[
        str | None, typer.Option("--agency", help="Seizing agency code, e.g. NL (name, contact).")
    ] = None,
    locales: Annotated[
        str,
        typer.Option("--locales", help="Comma-separated locales; the first is the default page."),
    ] = ",".join(SUPPORTED),
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Write a static splash page for a seized domain, one file per language."""
    seizer = None
    if agency is not None:
        known = workspace_agencies(STATE.root())
        seizer = known.get(agency.upper())
        if seizer is None:
            raise SplashError(
                f"no agency {agency!r}", hint=f"Known agencies: {', '.join(sorted(known))}"
            )
    wanted = [loc.strip() for loc in locales.split(",") if loc.strip()]
    result = write_splash(domain, out_dir, agency=seizer, locales=wanted)
    if as_json:
        print_json(
            {
                "domain": result.domain,
                "out": str(result.out),
                "locales": list(result.locales),
                "files": [str(f) for f in result.files],
            }
        )
        return
    out.print(
        f"Splash pages for [bold]{result.domain}[/bold] in {result.out}: "
        f"{len(result.files)} files ({', '.join(result.locales)}); serve index.html"
    )

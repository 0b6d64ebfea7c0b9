"""``intercop serve``: the web application and REST API over the workspace."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from intercop.cli.context import STATE, err
from intercop.errors import IntercopError
from intercop.workspace import open_workspace

log = logging.getLogger(__name__)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=32)] = 1,
) -> None:
    """Serve the web app and the REST API (/api/v1) until interrupted."""
    run_server(host, port, workers)


def run_server(host: str, port: int, workers: int = 1) -> None:
    """Start uvicorn over the current workspace (blocks until Ctrl-C)."""
    import uvicorn

    workspace = open_workspace(STATE.root())
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            "[yellow]warning:[/yellow] serving beyond loopback: put a TLS-terminating proxy in "
            "front, or session cookies (Secure) will not be kept by browsers"
        )
    # Every worker process builds its own app from the environment.
    os.environ["INTERCOP_HOME"] = str(workspace.root)
    err.print(
        f"InterCOP on [bold]http://{host}:{port}/[/bold] over {workspace.root} (Ctrl-C stops)"
    )
    try:
        uvicorn.run(
            "intercop.web.asgi:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            server_header=False,
        )
    except OSError as exc:
        raise IntercopError(
            f"cannot listen on {host}:{port}: {exc.strerror}",
            hint="Choose another --port, or stop what is using it",
        ) from exc

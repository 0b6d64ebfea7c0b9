"""The FastAPI application for one workspace: ``create_app(workspace)``.

The app opens the case store once; handlers get a session per request. Routes
live in ``intercop.web.routes``, one module per page group, each an ``APIRouter``
listed in ``ROUTERS``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from intercop import __version__
from intercop.settings import get_settings
from intercop.store.database import open_store
from intercop.web import errors
from intercop.web.guards import Guards
from intercop.web.routes import ROUTERS
from intercop.web.state import WebConfig, WebState
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
#: Threads one worker process runs handlers in (anyio's default is 40). The handlers are
#: Python holding the GIL, so more threads do not add throughput; they only take turns
#: at the GIL, which stretches every request and, worse, the case store's write lock
#: held from a request's audit entry to its commit: under load a second worker process
#: then waited past SQLite's busy timeout ("database is locked", a 500). Waiting requests
#: queue in order on the event loop instead (see docs/benchmarks.md, "Web load").
HANDLER_THREADS = 4


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Per worker process: bound the handler threads (the limiter belongs to the loop)."""
    to_thread.current_default_thread_limiter().total_tokens = HANDLER_THREADS
    yield


def create_app(
    workspace: Workspace, *, config: WebConfig | None = None, database_url: str | None = None
) -> FastAPI:
    """The web app over ``workspace`` (its case store opened and migrated now)."""
    config = config or WebConfig.from_settings(get_settings())
    app = FastAPI(
        title="InterCOP",
        version=__version__,
        description="Cases, persons and evidence of the InterCOP prevention network. "
        "Authenticate with 'Authorization: Bearer <token>' (intercop token create).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=_lifespan,
    )
    app.state.web = WebState(workspace, open_store(workspace, database_url), config)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guards, max_body=config.max_body_bytes)
    log.info("web app over %s", workspace.root)
    return app

"""The app factory uvicorn imports (``intercop serve`` with several workers).

Each worker process builds its own app over the workspace named by
``INTERCOP_HOME`` (``intercop serve`` sets it before starting uvicorn).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from intercop.identity.directory import open_directory
from intercop.identity.explain import PersonNotFoundError
from intercop.settings import get_settings
from intercop.web.app import create_app
from intercop.web.state import WebConfig
from intercop.workspace import open_workspace

log = logging.getLogger(__name__)


def app_from_env() -> FastAPI:
    """The app over ``$INTERCOP_HOME`` with the settings of the environment."""
    settings = get_settings()
    workspace = open_workspace(settings.home)
    app = create_app(workspace, config=WebConfig.from_settings(settings))
    try:
        # Build the person index now, so that the first person page does not wait for it.
        open_directory(workspace).warm()
    except PersonNotFoundError:
        log.info(
            "no persons yet in %s: the person pages stay empty until `resolve`", workspace.root
        )
    return app

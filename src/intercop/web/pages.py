"""One context per page, rendered as HTML or as its JSON twin.

A handler builds ``data`` (plain, JSON-able values: what the page shows) and calls
``page``. ``/x`` renders the template; ``/x.json`` returns ``data`` itself, so
tests and scripts assert on exactly what the page shows. ``twin`` registers both
paths for one handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

from intercop.auth.sessions import csrf_token
from intercop.web.i18n import available, negotiate
from intercop.web.templating import render
from intercop.web.viewer import Viewer

F = TypeVar("F", bound=Callable[..., Any])

NAV = (
    ("/", "Dashboard"),
    ("/datasets", "Datasets"),
    ("/persons", "Persons"),
    ("/queue", "Triage queue"),
    ("/campaigns", "Campaigns"),
    ("/pilots", "Pilots"),
    ("/cohorts", "Cohorts"),
    ("/signals", "Signals"),
    ("/knowledge", "Knowledge"),
    ("/audit", "Audit log"),
)


def wants_json(request: Request) -> bool:
    """Whether the request asked for the JSON twin (``.json`` path or the API)."""
    path = request.url.path
    return path.endswith(".json") or path.startswith("/api/")


def language(request: Request) -> str:
    """The UI language of this request."""
    return negotiate(request.headers.get("accept-language"), request.cookies.get("lang"))


def page(
    request: Request,
    template: str,
    *,
    title: str,
    data: dict[str, Any],
    viewer: Viewer | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The page as HTML, or its ``data`` as JSON when the twin was asked for."""
    if wants_json(request):
        return JSONResponse(jsonable_encoder(data), status_code=status)
    context = {
        "title": title,
        "data": data,
        "viewer": viewer,
        "path": request.url.path,
        "query": str(request.url.query),
        "nav": NAV,
        "languages": available(),
        "csrf": (lambda: form_token(viewer)),
        **extra,
    }
    return HTMLResponse(render(language(request), template, context), status_code=status)


def form_token(viewer: Viewer | None) -> str:
    """A fresh single-use CSRF token for one form of this viewer's session."""
    if viewer is None or viewer.web is None:
        return ""
    return csrf_token(viewer.web)


def twin(router: APIRouter, path: str, **kwargs: Any) -> Callable[[F], F]:
    """Register a GET handler at ``path`` (HTML) and ``path.json`` (its data)."""

    def register(handler: F) -> F:
        # The .json path first: ``{id}`` would otherwise swallow ``X.json``.
        json_path = "/index.json" if path == "/" else f"{path}.json"
        router.add_api_route(json_path, handler, methods=["GET"], include_in_schema=False, **kwargs)
        router.add_api_route(
            path,
            handler,
            methods=["GET"],
            include_in_schema=False,
            response_class=HTMLResponse,
            **kwargs,
        )
        return handler

    return register

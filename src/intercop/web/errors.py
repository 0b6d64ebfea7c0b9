"""Domain errors as HTTP answers: a page for a browser, JSON for the API and twins.

An object another agency owns answers 404 like a missing one, so ids cannot be
probed. Anything that is not an ``IntercopError`` is a bug: logged, answered 500
without details.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from intercop.errors import DatasetNotFoundError, IntercopError
from intercop.web.viewer import ForbiddenError, NotSignedInError

log = logging.getLogger(__name__)

#: error class -> HTTP status; the first ``isinstance`` match wins
STATUS: list[tuple[type[BaseException], int]] = [
    (NotSignedInError, 401),
    (ForbiddenError, 403),
    (DatasetNotFoundError, 404),
]


def register_not_found(*classes: type[BaseException]) -> None:
    """Declare more error classes as 404 (core packages' *not found* errors)."""
    for cls in classes:
        STATUS.insert(0, (cls, 404))


def status_of(exc: BaseException) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.endswith(".json")
        or path.startswith("/api/")
        or request.headers.get("authorization", "").lower().startswith("bearer ")
    )


def _answer(request: Request, status: int, message: str, extra: dict[str, str]) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status, headers=extra)
    from intercop.web.templating import render

    html = render(
        "en",
        "error.html",
        {
            "status": status,
            "message": message,
            "title": "Error",
            "viewer": None,
            "nav": (),
            "path": request.url.path,
            "languages": [],
            "csrf": lambda: "",
        },
    )
    return HTMLResponse(html, status_code=status, headers=extra)


async def domain_error(request: Request, exc: Exception) -> Response:
    """An ``IntercopError`` raised by a handler or a dependency."""
    status = status_of(exc)
    if status == 401 and not _wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    extra = {}
    retry = getattr(exc, "wait_seconds", None)
    if retry:
        extra["Retry-After"] = str(int(retry))
        status = 429
    message = "not found" if status == 404 else str(exc)
    return _answer(request, status, message, extra)


async def unexpected(request: Request, exc: Exception) -> Response:
    """A bug: log it with the traceback, tell the user nothing internal."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _answer(request, 500, "internal error: it was logged", {})


def install(app: FastAPI) -> None:
    """Attach the handlers to ``app``."""
    app.add_exception_handler(IntercopError, domain_error)
    app.add_exception_handler(Exception, unexpected)

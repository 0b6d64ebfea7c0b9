"""Middleware that protects every response: size limits and security headers."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: no external resources, no inline script, no framing: seized data is hostile input
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class Guards:
    """Refuse bodies over ``max_body`` bytes (413) and add the security headers."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _too_large(send, self.max_body)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLargeError
            return message

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                static = scope.get("path", "").startswith("/static/")
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in HEADERS if not (static and h[0] == b"cache-control")
                ]
            await send(message)

        try:
            await self.app(scope, counted, with_headers)
        except BodyTooLargeError:
            await _too_large(send, self.max_body)


class BodyTooLargeError(Exception):
    """A chunked body went past the limit."""


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"error": "the request body is larger than {limit} bytes", "status": 413}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""The SMTP channel: smtplib over one reused connection, STARTTLS and AUTH as configured.

The SMTP transaction is split so that we know how far it got: a failure before the
message body went out (connect, MAIL, RCPT, the DATA command) is safe to retry and is
reported transient; a connection lost or timed out *after* the body was transmitted,
while waiting for the server's final answer, may or may not have been accepted: that is
reported ``IN_DOUBT`` and never retried automatically (docs/outreach.md, exactly once).
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import socket
import ssl

from intercop.outreach.channels.base import (
    SENT,
    ChannelConfig,
    ChannelError,
    Delivery,
    Envelope,
    Result,
)
from intercop.outreach.mime import compose
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

_LEADING_DOT = re.compile(rb"(?m)^\.")


def _classify(code: int, text: bytes | str) -> Result:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else text
    detail = f"{code} {detail}".strip()
    if 400 <= code < 500:
        return Result(Delivery.TRANSIENT, detail)
    return Result(Delivery.PERMANENT, detail)


class _Lost(Exception):
    """The connection failed before the message body was sent: safe to try again."""


class SmtpChannel:
    """Delivery to an SMTP server (a relay of the agency, or a test server on loopback)."""

    name = "smtp"
    idempotent = False

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config
        self._client: smtplib.SMTP | None = None

    @classmethod
    def build(cls, workspace: Workspace, config: ChannelConfig) -> SmtpChannel:
        """An SMTP channel for ``config.smtp_host:smtp_port``."""
        return cls(config)

    # -- connection ---------------------------------------------------------------------

    def open(self) -> None:
        try:
            self._connect()
        except _Lost as exc:
            raise ChannelError(str(exc), hint="Check --smtp-host and --smtp-port") from exc

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        where = f"{cfg.smtp_host}:{cfg.smtp_port}"
        try:
            # the host given here is also the name TLS checks the certificate against
            client = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise _Lost(f"cannot connect to {where}: {exc}") from exc
        try:
            client.ehlo()
            if cfg.starttls is not False and client.has_extn("starttls"):
                context = ssl.create_default_context()
                if not cfg.verify_tls:
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                client.starttls(context=context)
                client.ehlo()
            elif cfg.starttls:
                raise ChannelError(
                    f"the SMTP server {where} does not offer STARTTLS, which is required",
                    hint="Use a server that offers STARTTLS, or pass --no-starttls",
                )
            if cfg.smtp_user:
                client.login(cfg.smtp_user, cfg.smtp_password or "")
        except smtplib.SMTPAuthenticationError as exc:
            client.close()
            raise ChannelError(
                f"the SMTP server {where} refused the login of {cfg.smtp_user!r}: "
                f"{_classify(exc.smtp_code, exc.smtp_error).detail}",
                hint="Check --smtp-user and INTERCOP_SMTP_PASSWORD",
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            client.close()
            raise ChannelError(
                f"the SMTP server {where} does not support AUTH", hint="Drop --smtp-user"
            ) from exc
        except ssl.SSLError as exc:
            client.close()
            raise ChannelError(f"TLS with the SMTP server {where} failed: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            client.close()
            raise _Lost(f"cannot connect to {where}: {exc}") from exc
        self._client = client
        log.info("connected to SMTP server %s", where)
        return client

    def _drop(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError):
                self._client.close()
        self._client = None

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._client.quit()
        self._drop()

    def delivered(self, message_id: str) -> bool | None:
        return None  # an SMTP server cannot be asked afterwards

    def flush(self) -> None:
        """Nothing to wait for: each delivery is complete when ``deliver`` returns."""

    def finish(self, campaign: str) -> None:
        """Nothing to do at the end of a campaign."""

    # -- delivery -----------------------------------------------------------------------

    def deliver(self, envelope: Envelope) -> Result:
        data = compose(envelope, wire=True)
        sender = envelope.agency.sender
        # A connection found dead before anything was sent is reopened once.
        for attempt in (1, 2):
            try:
                return self._transaction(sender, envelope.to, data)
            except _Lost as exc:
                self._drop()
                if attempt == 2:
                    return Result(Delivery.TRANSIENT, str(exc))
                log.info("SMTP connection lost (%s); reconnecting", exc)
        raise AssertionError("unreachable")

    def _transaction(self, sender: str, to: str, data: bytes) -> Result:
        client = self._client or self._connect()
        try:
            if client.has_extn("pipelining"):
                refused = self._envelope_pipelined(client, sender, to)
            else:
                refused = self._envelope(client, sender, to)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Lost(str(exc) or type(exc).__name__) from exc
        if refused is not None:
            return refused
        body = _LEADING_DOT.sub(b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        try:
            client.send(body + b".\r\n")
            code, text = client.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            # The body went out; the server may have accepted it before we lost it.
            self._drop()
            kind = "timed out" if isinstance(exc, socket.timeout) else f"failed ({exc})"
            return Result(Delivery.IN_DOUBT, f"the connection {kind} after the message was sent")
        if code == 250:
            return SENT
        return self._refused(client, code, text)

    def _envelope(self, client: smtplib.SMTP, sender: str, to: str) -> Result | None:
        """MAIL, RCPT and DATA one at a time; None when the server waits for the body."""
        code, text = client.mail(sender)
        if code != 250:
            return self._refused(client, code, text)
        code, text = client.rcpt(to)
        if code not in (250, 251):
            return self._refused(client, code, text)
        code, text = client.docmd("data")
        if code != 354:
            return self._refused(client, code, text)
        return None

    def _envelope_pipelined(self, client: smtplib.SMTP, sender: str, to: str) -> Result | None:
        """MAIL, RCPT and DATA in one write (RFC 2920), then their three replies in order.

        The first refusal decides the outcome, as in the lock-step dialogue; nothing of
        the message has been sent yet. Should the server accept DATA although MAIL or
        RCPT was refused, the connection is dropped instead of ending an empty message.
        """
        group = (
            f"MAIL FROM:{smtplib.quoteaddr(sender)}\r\nRCPT TO:{smtplib.quoteaddr(to)}\r\nDATA\r\n"
        )
        client.send(group.encode(client.command_encoding))
        refused: tuple[int, bytes] | None = None
        for accepted in ((250,), (250, 251), (354,)):
            code, text = client.getreply()
            if code == 421 or code < 0:  # closing, or garbled: the rest will not come
                self._drop()
                return _classify(code, text)
            if refused is None and code not in accepted:
                refused = (code, text)
        if refused is None:
            return None
        if code == 354:  # the server waits for a body we will not send
            self._drop()
            return _classify(*refused)
        return self._refused(client, *refused)

    def _refused(self, client: smtplib.SMTP, code: int, text: bytes) -> Result:
        """Reset the transaction so the connection can be reused, and classify the reply."""
        if code == 421 or code < 0:  # the server is closing, or the reply was garbled
            self._drop()
        else:
            try:
                client.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()
        return _classify(code, text)

"""The one interface every delivery channel implements, and what crosses it.

A channel is handed an ``Envelope`` (the rendered message and where it goes) and
answers with a ``Result``: sent, transient (try again later) or permanent (give up).
Channels never touch the case store; the sender owns the message state machine.

``idempotent`` channels can say afterwards whether a message was delivered
(``delivered``): the sender uses that to reconcile after a crash, so they may commit
state in batches. A channel that cannot tell (SMTP) answers ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from intercop.errors import IntercopError

if TYPE_CHECKING:
    from intercop.casework.agencies import Agency
    from intercop.outreach.render import Rendered
    from intercop.workspace import Workspace


class ChannelError(IntercopError):
    """A channel cannot be set up (unknown name, missing option, unreachable server)."""

    hint = "Check the channel options (see docs/outreach.md)"


@dataclass(frozen=True)
class Envelope:
    """One message ready to deliver: content, recipient and the identifiers to trace it."""

    message_id: str  # RFC 5322 Message-ID with angle brackets, deterministic
    to: str  # e-mail address, partner account reference or the postal recipient's name
    rendered: Rendered
    recipient_kind: str  # "person" or "parents"
    person_id: str
    campaign: str  # campaign id as text
    agency: Agency
    ref: str = ""  # "c<campaign>.m<row>": no personal data, goes into X-InterCOP-Ref
    address_lines: tuple[str, ...] = ()


class Delivery(StrEnum):
    """What a delivery attempt came to."""

    SENT = "sent"
    TRANSIENT = "transient"  # try again (4xx, timeout, 429, 5xx of a web partner)
    PERMANENT = "permanent"  # give up (5xx, 4xx of a web partner)
    IN_DOUBT = "in_doubt"  # sent, but the answer was lost: may or may not have arrived


@dataclass(frozen=True)
class Result:
    """The outcome of one delivery attempt, with the server's words for the record."""

    delivery: Delivery
    detail: str = ""

    @property
    def sent(self) -> bool:
        return self.delivery is Delivery.SENT


SENT = Result(Delivery.SENT)


@dataclass(frozen=True)
class ChannelConfig:
    """Options of every channel; each channel reads the ones it needs."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    starttls: bool | None = None  # None: when offered; True: required; False: never
    smtp_timeout: float = 30.0
    verify_tls: bool = True
    webhook_url: str | None = None
    webhook_secret: bytes | None = field(default=None, repr=False)
    webhook_timeout: float = 30.0
    letters_dir: Path | None = None  # default <workspace>/letters
    fsync: bool = True


class Channel(Protocol):
    """A way to deliver messages (registered by ``name`` in ``intercop.outreach.channels``)."""

    name: str
    idempotent: bool

    def open(self) -> None:
        """Prepare for delivering (connect, create folders)."""

    def deliver(self, envelope: Envelope) -> Result:
        """Deliver one message; never raises for a per-message failure."""

    def flush(self) -> None:
        """Make every message delivered so far durable (called before they count as sent).

        Raises when that fails; the sender then records none of them as sent.
        """

    def delivered(self, message_id: str) -> bool | None:
        """Whether ``message_id`` was delivered; None when the channel cannot tell."""

    def finish(self, campaign: str) -> None:
        """Called when a campaign has no message left to send (e.g. merge letters)."""

    def close(self) -> None:
        """Release connections."""


class ChannelFactory(Protocol):
    """How the registry builds a channel."""

    def __call__(self, workspace: Workspace, config: ChannelConfig) -> Channel: ...


def safe_key(message_id: str) -> str:
    """A file name derived from a Message-ID: the same id always gives the same key."""
    inner = message_id.strip().strip("<>")
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in inner)

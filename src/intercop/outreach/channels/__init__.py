"""Delivery channels, one module each, registered by name (a plug-in registers the same way)."""

from __future__ import annotations

from intercop.outreach.channels.base import (
    Channel,
    ChannelConfig,
    ChannelError,
    ChannelFactory,
    Delivery,
    Envelope,
    Result,
)
from intercop.outreach.channels.letter import LetterChannel
from intercop.outreach.channels.outbox import OutboxChannel
from intercop.outreach.channels.partner import PartnerChannel
from intercop.outreach.channels.smtp import SmtpChannel
from intercop.outreach.channels.webhook import WebhookChannel
from intercop.workspace import Workspace

#: name -> factory; e-mail channels carry an e-mail address, the others their own kind
CHANNELS: dict[str, ChannelFactory] = {
    OutboxChannel.name: OutboxChannel.build,
    SmtpChannel.name: SmtpChannel.build,
    LetterChannel.name: LetterChannel.build,
    WebhookChannel.name: WebhookChannel.build,
    PartnerChannel.name: PartnerChannel.build,
}

#: channels whose address is an e-mail address
EMAIL_CHANNELS = frozenset({"outbox", "smtp"})


def register(name: str, factory: ChannelFactory) -> None:
    """Add a channel under ``name`` (what a plug-in calls)."""
    CHANNELS[name] = factory


def create_channel(name: str, workspace: Workspace, config: ChannelConfig) -> Channel:
    """The channel called ``name``, configured; raises ChannelError for an unknown name."""
    try:
        factory = CHANNELS[name]
    except KeyError:
        raise ChannelError(
            f"unknown channel {name!r}", hint=f"Use one of: {', '.join(sorted(CHANNELS))}"
        ) from None
    return factory(workspace, config)


__all__ = [
    "CHANNELS",
    "EMAIL_CHANNELS",
    "Channel",
    "ChannelConfig",
    "ChannelError",
    "Delivery",
    "Envelope",
    "Result",
    "create_channel",
    "register",
]

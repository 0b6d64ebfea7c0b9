"""Masking of identifiers for display: e-mails, IPs, payment references, bitcoin addresses.

``a***@example.org``, ``192.0.2.x``, ``bc1***mdq``. Usernames are not masked: they are
the evidence an analyst reads. ``mask_text`` masks e-mails and IPv4 addresses inside
free text and JSON-like values, as a second line of defence.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

_EMAIL = re.compile(r"[^\s@\"']+@[^\s@\"']+\.[^\s@\"']+")
_IPV4 = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b")


def mask_email(value: str | None) -> str | None:
    """``alice@example.org`` -> ``a***@example.org``."""
    if not value:
        return value
    local, at, domain = value.rpartition("@")
    if not at:
        return mask_ref(value)
    return f"{local[:1]}***@{domain}"


def mask_ip(value: str | None) -> str | None:
    """``192.0.2.15`` -> ``192.0.2.x``; an IPv6 address keeps its first three groups."""
    if not value:
        return value
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return mask_ref(value)
    if address.version == 4:
        return value.rsplit(".", 1)[0] + ".x"
    groups = address.exploded.split(":")
    return ":".join(g.lstrip("0") or "0" for g in groups[:3]) + ":x"


def mask_ref(value: str | None) -> str | None:
    """A payment reference or bitcoin address: first and last 3 characters only."""
    if not value:
        return value
    return f"{value[:3]}***{value[-3:]}" if len(value) > 8 else "***"


def mask_text(value: Any) -> Any:
    """Mask every e-mail and IPv4 address found inside a JSON-like value (defence in depth)."""
    if isinstance(value, str):
        text = _EMAIL.sub(lambda m: mask_email(m.group(0)) or "", value)
        return _IPV4.sub(lambda m: ".".join(m.groups()[:3]) + ".x", text)
    if isinstance(value, list):
        return [mask_text(v) for v in value]
    if isinstance(value, dict):
        # Evidence read from an e-mail address (a name, a birth year in its local part)
        # would give the address away even without the "@domain": mask its text too.
        from_email = "mail" in str(value.get("where", "")).lower()
        return {
            k: _mask_local(v) if from_email and k != "where" and isinstance(v, str)
            else mask_text(v)
            for k, v in value.items()
        }  # fmt: skip
    return value


def _mask_local(text: str) -> str:
    """Text taken from an e-mail's local part: its first character only."""
    return f"{text[:1]}***" if text else text

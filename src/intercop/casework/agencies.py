"""The agencies of the network: who handles a person of which country, and how they sign.

The packaged ``agencies.yaml`` lists the 27 network members and the partner
countries; a workspace may carry its own ``config/agencies.yaml`` with real contact
details, which replaces entries of the same code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from intercop.errors import ConfigError

#: the queue of persons no single agency can take (unknown or uncertain country)
NETWORK = "NETWORK"
PACKAGED = Path(__file__).with_name("agencies.yaml")
_CODE = re.compile(r"^[A-Z]{2}$")
_FIELDS = ("name", "locale", "sender", "reply_to", "phone", "website", "eu", "member")


@dataclass(frozen=True)
class Agency:
    """One agency: its country, its name and the details its messages carry."""

    code: str
    country: str
    name: str
    locale: str
    sender: str
    reply_to: str
    phone: str
    website: str
    eu: bool
    member: bool = True

    @property
    def sender_domain(self) -> str:
        """The domain of the From: address, for Message-IDs."""
        return self.sender.rpartition("@")[2]


def _parse(path: Path) -> dict[str, Agency]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("agencies"), dict):
        raise ConfigError(f"{path}: expected a mapping 'agencies:' of country codes")
    found: dict[str, Agency] = {}
    for code, entry in doc["agencies"].items():
        if not isinstance(code, str) or not _CODE.match(code):
            raise ConfigError(f"{path}: agency {code!r} is not a two-letter country code")
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: agency {code} must be a mapping of {', '.join(_FIELDS)}")
        missing = [f for f in _FIELDS[:-1] if f not in entry]
        unknown = sorted(set(entry) - set(_FIELDS))
        if missing or unknown:
            raise ConfigError(
                f"{path}: agency {code}: "
                + (f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}")
            )
        found[code] = Agency(
            code=code,
            country=code,
            name=str(entry["name"]),
            locale=str(entry["locale"]),
            sender=str(entry["sender"]),
            reply_to=str(entry["reply_to"]),
            phone=str(entry["phone"]),
            website=str(entry["website"]),
            eu=bool(entry["eu"]),
            member=bool(entry.get("member", True)),
        )
    return found


def load_agencies(path: Path | None = None) -> dict[str, Agency]:
    """The packaged agencies, with the entries of ``path`` (if given) replacing them."""
    agencies = _parse(PACKAGED)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: no such agencies file")
        agencies.update(_parse(path))
    return agencies


def workspace_agencies(root: Path) -> dict[str, Agency]:
    """The agencies as a workspace sees them (its ``config/agencies.yaml`` if present)."""
    own = root / "config" / "agencies.yaml"
    return load_agencies(own if own.is_file() else None)


def agency_for_country(country: str | None, agencies: Mapping[str, Agency]) -> Agency | None:
    """The agency that handles persons of ``country``, or None (the network queue)."""
    if not country:
        return None
    return agencies.get(country.upper())

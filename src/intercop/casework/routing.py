"""Jurisdiction routing: which agency's queue a person's case goes to, and why (pure).

A person goes to the agency of their estimated country when the country is known
with enough confidence and a network agency covers it; everyone else goes to the
network queue (``agencies.NETWORK``), from where a case can be routed by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from intercop.casework.agencies import NETWORK, Agency, agency_for_country


@dataclass(frozen=True)
class Route:
    """The agency a person's case goes to and the reasons."""

    agency: str
    reasons: tuple[str, ...]


def route(
    country: str | None,
    confidence: float | None,
    agencies: Mapping[str, Agency],
    min_confidence: float,
) -> Route:
    """The agency for a person of ``country`` estimated with ``confidence``."""
    if not country:
        return Route(NETWORK, ("country unknown: network queue",))
    conf = confidence or 0.0
    if conf < min_confidence:
        return Route(
            NETWORK,
            (f"country {country} at confidence {conf:.2f} < {min_confidence:.2f}: network queue",),
        )
    agency = agency_for_country(country, agencies)
    if agency is None:
        return Route(NETWORK, (f"no network agency for country {country}: network queue",))
    return Route(
        agency.code,
        (f"country {country} at confidence {conf:.2f} >= {min_confidence:.2f}: {agency.code}",),
    )

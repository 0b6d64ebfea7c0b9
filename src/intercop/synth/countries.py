"""Countries of the synthetic population, read from ``data/countries.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from intercop.errors import ConfigError


@dataclass(frozen=True)
class Country:
    """One country: its Faker locale, share of the population and e-mail providers."""

    code: str
    locale: str
    weight: float
    providers: tuple[str, ...]
    provider_weights: tuple[float, ...]


@cache
def load_countries() -> tuple[Country, ...]:
    """Return the countries in file order (the order matters for determinism)."""
    text = resources.files("intercop.synth").joinpath("data/countries.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise ConfigError("synth/data/countries.yaml: expected a mapping of country codes")
    countries: list[Country] = []
    for code, entry in raw.items():
        try:
            providers = dict(entry["providers"])
            countries.append(
                Country(
                    code=str(code),
                    locale=str(entry["locale"]),
                    weight=float(entry["weight"]),
                    providers=tuple(str(p) for p in providers),
                    provider_weights=tuple(float(w) for w in providers.values()),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"synth/data/countries.yaml: country {code}: {exc}") from exc
    return tuple(countries)

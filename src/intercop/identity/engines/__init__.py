"""Linkage engines by name: ``duckdb`` (embedded default) and ``spark``.

Built-ins are registered the way a plug-in would be, with ``register``; ``engine(name)``
is the one lookup, so no caller switches on the name.
"""

from __future__ import annotations

from typing import Any

from intercop.errors import ConfigError
from intercop.identity.engines.base import PAIRS, LinkageEngine
from intercop.identity.engines.duckdb_engine import DuckDBEngine
from intercop.identity.engines.spark_engine import SparkEngine

ENGINES: dict[str, type[LinkageEngine]] = {}


def register(cls: type[LinkageEngine]) -> type[LinkageEngine]:
    """Make ``cls`` available under its ``NAME``."""
    ENGINES[cls.NAME] = cls
    return cls


def engine(name: str, **options: Any) -> LinkageEngine:
    """A new engine called ``name``, built with ``options``."""
    try:
        cls = ENGINES[name]
    except KeyError:
        raise ConfigError(
            f"unknown linkage engine {name!r}",
            hint=f"Use one of: {', '.join(sorted(ENGINES))}",
        ) from None
    return cls(**options)


register(DuckDBEngine)
register(SparkEngine)

__all__ = ["ENGINES", "PAIRS", "DuckDBEngine", "LinkageEngine", "SparkEngine", "engine", "register"]

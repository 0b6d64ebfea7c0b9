"""Fixtures of the exchange tests."""

from tests.exchange.fixtures import network
from tests.store.fixtures import store

__all__ = ["network", "store"]

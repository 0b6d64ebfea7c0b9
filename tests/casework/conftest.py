"""Fixtures of the casework tests."""

from tests.casework.fixtures import home

__all__ = ["home"]

"""InterCOP: seized-platform evidence to prevention, for police cyber-offender-prevention teams."""

from __future__ import annotations

__version__ = "0.1.0"

"""Synthetic takedown scenarios with ground truth (never real leaked data).

Public API: ``generate_takedowns`` (several seized platforms of one population),
``generate_booter`` (one booter dump of a requested size, for benchmarks) and
``generate_bad_inputs`` (broken files for the ingest tests).
"""

from __future__ import annotations

from intercop.synth.bad import BadInput, generate_bad_inputs
from intercop.synth.bigdump import generate_booter
from intercop.synth.platforms import DEFAULT_PLATFORMS, PlatformSpec
from intercop.synth.scenario import Scenario, ScenarioFile
from intercop.synth.takedowns import generate_takedowns

__all__ = [
    "DEFAULT_PLATFORMS",
    "BadInput",
    "PlatformSpec",
    "Scenario",
    "ScenarioFile",
    "generate_bad_inputs",
    "generate_booter",
    "generate_takedowns",
]

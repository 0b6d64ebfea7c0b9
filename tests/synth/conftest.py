"""A small scenario shared by the synth tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intercop.synth import Scenario, generate_takedowns


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return generate_takedowns(tmp_path_factory.mktemp("scenario"), seed=7, scale=0.25)


@pytest.fixture(scope="session")
def scenario_dir(scenario: Scenario) -> Path:
    return scenario.out

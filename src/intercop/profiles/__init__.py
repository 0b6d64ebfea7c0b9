"""Profiles: per-person figures with their evidence, and cohort tables for partners."""

from __future__ import annotations

from intercop.profiles.build import PROFILE, PROFILES_FILE, build_profiles, write_profiles
from intercop.profiles.cohorts import CohortRow, cohort_arrow, cohort_json, cohort_table
from intercop.profiles.risk import RiskModel, load_risk_model, parse_risk_model

__all__ = [
    "PROFILE",
    "PROFILES_FILE",
    "CohortRow",
    "RiskModel",
    "build_profiles",
    "cohort_arrow",
    "cohort_json",
    "cohort_table",
    "load_risk_model",
    "parse_risk_model",
    "write_profiles",
]

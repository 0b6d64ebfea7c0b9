"""Casework: the interventions catalogue, triage policies, cases, pilots and outcomes."""

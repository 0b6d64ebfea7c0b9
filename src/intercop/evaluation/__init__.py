"""Evaluation: does an intervention reduce reoffending?

Pure statistics (``effects``, ``power``, ``survival``, ``logistic``, ``timeseries``,
``balance``) work on arrays and data frames; ``reoffending`` and ``pilot`` gather a
pilot's data from the case store and the vault; ``narratives`` and ``reports`` turn
results into HTML, PDF and JSON reports that say what the numbers mean.
"""

from __future__ import annotations

from intercop.evaluation.errors import EvaluationError, OutcomeTableError
from intercop.evaluation.pilot import PilotEvaluation, evaluate_pilot
from intercop.evaluation.power import PowerResult, sample_size
from intercop.evaluation.reoffending import ReoffendingTable, load_reoffending

__all__ = [
    "EvaluationError",
    "OutcomeTableError",
    "PilotEvaluation",
    "PowerResult",
    "ReoffendingTable",
    "evaluate_pilot",
    "load_reoffending",
    "sample_size",
]

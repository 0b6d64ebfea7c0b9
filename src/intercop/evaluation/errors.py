"""Errors of the evaluation package: bad outcome tables and data no model can be fitted to."""

from __future__ import annotations

from pathlib import Path

from intercop.errors import InputError, IntercopError


class EvaluationError(IntercopError):
    """The data cannot give a sound estimate (an empty arm, too few events, a degenerate
    covariate); the message names the arm or column."""

    hint = (
        "Check the data: every arm needs persons and events, every covariate must vary "
        "and must not be a combination of the others"
    )


class OutcomeTableError(InputError):
    """An imported outcome table lacks a column or holds a value that is not usable."""

    hint = "Fix the file, or name other columns with --duration/--event/--covariates"

    def __init__(
        self, message: str, *, path: Path | str, line: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, path=path, line=line, hint=hint)

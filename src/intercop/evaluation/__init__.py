"""Evaluation: does an intervention reduce reoffending?

Pure statistics (``effects``, ``power``, ``survival``, ``logistic``, ``timeseries``,
``balance``) work on arrays and data frames; ``reoffending`` and ``pilot`` gather a
pilot's data from the case store and the vault; ``narratives`` and ``reports`` turn
results into HTML, PDF and JSON reports that say what the numbers mean.

Import what you need from the modules themselves: the statistics modules load scipy,
statsmodels and lifelines, which the rest of the command line should not wait for.
"""

"""What the numbers mean and do not mean, in plain words, shared by every report."""

from __future__ import annotations

LOWER_BOUND = (
    "Reoffending is seen only where it left a trace in the seized data (or in a recorded "
    "justice outcome). Activity on platforms that were not seized, or after the last "
    "seizure, is invisible, so every reoffending figure here is a lower bound."
)
NOT_CAUSAL = (
    "Unless persons were allocated at random, a difference between groups is an "
    "association, not proof that the intervention caused it: the groups may differ in "
    "ways no covariate captures."
)
RANDOMISED = (
    "Persons were allocated to the arms at random, so, apart from chance, the arms differ "
    "only in the intervention; the comparison is by intention to treat (everyone in the "
    "arm they were allocated to, reached or not), which measures the effect of offering "
    "the intervention, not of receiving it."
)
INTERVALS = (
    "A 95% confidence interval is the range of effects compatible with the data; an "
    "interval that includes no effect (a ratio of 1, a difference of 0) means the data "
    "cannot tell the intervention from no intervention. A p-value above 0.05 is not "
    "evidence that there is no effect."
)
HAZARD = (
    "A hazard ratio below 1 means the event came later or less often (e.g. 0.7: about "
    "30% lower rate of reoffending at any moment of follow-up); above 1, sooner or more often."
)
PH = (
    "The Cox model assumes the ratio of hazards stays the same over follow-up; the "
    "proportional-hazards check (Schoenfeld residuals) flags terms where it may not."
)
ODDS = (
    "An odds ratio compares the odds of the outcome; it is close to the risk ratio only "
    "when the outcome is rare. It ignores how long each person was followed."
)
ITS = (
    "The counterfactual line is what the model expects had the intervention(s) not "
    "happened, extrapolating the trend and season from before. Anything else that changed "
    "at the same time (another takedown, a new platform, a holiday, a change in logging) "
    "is attributed to the intervention: the estimate is only as good as that assumption."
)
POWER = (
    "The sample size assumes the baseline rate is right, persons are allocated at random "
    "in equal arms and every person is followed for the same period; loss to follow-up, "
    "clustering or a lower baseline rate all call for more persons."
)

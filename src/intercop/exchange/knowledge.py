"""Knowledge exchange: network cohort tables, and the shared base of intervention results.

Network cohorts count the persons of every dataset an agency may see at aggregate
level or better (``sharing.dataset_access``), each person once however many datasets
hold them, with the small-cell and complementary suppression of
``intercop.profiles.cohorts`` at a smallest published count of at least ``MIN_CELL``.

The knowledge base is one table every agency reads and adds to; an entry is checked
before it is stored (``validate``) and every addition is audited.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from intercop.access import require
from intercop.audit import record
from intercop.errors import IntercopError
from intercop.exchange.sharing import dataset_access
from intercop.identity.directory import open_directory
from intercop.profiles.cohorts import DEFAULT_BY, cohort_json, cohort_table
from intercop.store.models import STUDY_DESIGNS, KnowledgeEntry
from intercop.visibility import dataset_owners
from intercop.workspace import Workspace

if TYPE_CHECKING:  # the evaluation stack (pandas, SciPy) loads only when a pilot is used
    from intercop.evaluation.pilot import PilotEvaluation

log = logging.getLogger(__name__)

#: the smallest count a network cohort table publishes (k of k-anonymity for counts)
MIN_CELL = 10
#: effect measures; the ratios must be positive
RATIO_MEASURES = ("risk_ratio", "hazard_ratio", "odds_ratio", "rate_ratio")
MEASURES = (*RATIO_MEASURES, "risk_difference", "mean_difference", "proportion")


class KnowledgeError(IntercopError):
    """A knowledge entry or a network cohort request is refused; the message lists why."""

    hint = "See docs/sharing.md (knowledge base)"

    def __init__(self, message: str, *, problems: Sequence[str] = (), hint: str = "") -> None:
        self.problems = list(problems)
        super().__init__(message, hint=hint or self.hint)


# --- network cohorts -------------------------------------------------------------------


def network_cohorts(
    workspace: Workspace,
    session: Session,
    agency: str,
    by: Sequence[str] = DEFAULT_BY,
    min_cell: int = MIN_CELL,
) -> dict[str, Any]:
    """Cohort table of the persons of every dataset ``agency`` may see at aggregate level+.

    Returns the ``cohort_json`` document plus ``datasets`` (id, owner, access) and
    ``agencies`` (the owners counted).
    """
    if min_cell < MIN_CELL:
        raise KnowledgeError(
            f"network cohort tables publish counts of {MIN_CELL} or more, not {min_cell}",
            hint=f"Use --min-cell {MIN_CELL} or more",
        )
    owners = dataset_owners(workspace)
    access = dataset_access(session, agency, owners)
    directory = open_directory(workspace)
    profiles = directory.profiles
    if profiles is None:
        raise KnowledgeError("no profiles yet", hint="Run `intercop resolve` first")
    unknown = [d for d in by if d not in profiles.column_names]
    if unknown or not by:
        raise KnowledgeError(
            f"unknown dimension {', '.join(unknown) or '(none)'}",
            hint=f"Use columns of the profiles, e.g. {', '.join(DEFAULT_BY)}",
        )
    persons = directory.persons_in_datasets(frozenset(access))
    keep = pc.is_in(profiles.column("person_id"), value_set=pa.array(sorted(persons), pa.string()))
    doc = cohort_json(cohort_table(profiles.filter(keep), by=list(by), min_cell=min_cell))
    doc["agency"] = agency.upper()
    doc["datasets"] = [
        {"dataset_id": d, "owner": owners[d], "access": a} for d, a in sorted(access.items())
    ]
    doc["agencies"] = sorted({owners[d] for d in access})
    log.info("network cohorts for %s over %d datasets of %d agencies", agency,
             len(access), len(doc["agencies"]))  # fmt: skip
    return doc


# --- the knowledge base ----------------------------------------------------------------


@dataclass(frozen=True)
class KnowledgeInput:
    """An intervention result as someone submits it (checked by ``validate``)."""

    intervention: str
    country: str
    design: str
    population: str
    n: int
    measure: str
    estimate: float
    ci_low: float
    ci_high: float
    report_link: str | None = None
    note: str | None = None
    source: str | None = None  # e.g. "pilot:3" when derived from a pilot's evaluation


def validate(entry: KnowledgeInput, catalogue: Collection[str], *, free_text: bool) -> list[str]:
    """Every problem of ``entry`` (empty when it may be stored)."""
    problems: list[str] = []
    name = entry.intervention.strip()
    if not name:
        problems.append("intervention: give its name")
    elif name not in catalogue and not free_text:
        problems.append(
            f"intervention: {name!r} is not in the catalogue ({', '.join(sorted(catalogue))}); "
            "pass free text explicitly (--free-text) to record it anyway"
        )
    if len(entry.country) != 2 or not entry.country.isalpha():
        problems.append(f"country: {entry.country!r} is not a two-letter country code")
    if entry.design not in STUDY_DESIGNS:
        problems.append(f"design: {entry.design!r} is not one of {', '.join(STUDY_DESIGNS)}")
    if not entry.population.strip():
        problems.append("population: say who was studied")
    if entry.n <= 0:
        problems.append(f"n: {entry.n} persons; it must be more than 0")
    if entry.measure not in MEASURES:
        problems.append(f"measure: {entry.measure!r} is not one of {', '.join(MEASURES)}")
    numbers = (entry.estimate, entry.ci_low, entry.ci_high)
    if not all(math.isfinite(x) for x in numbers):
        problems.append("estimate and confidence interval must be finite numbers")
    elif not entry.ci_low <= entry.estimate <= entry.ci_high:
        problems.append(
            f"confidence interval [{entry.ci_low}, {entry.ci_high}] does not contain the "
            f"estimate {entry.estimate}"
        )
    elif entry.measure in RATIO_MEASURES and entry.ci_low <= 0:
        problems.append(f"{entry.measure}: a ratio and its interval must be above 0")
    if entry.report_link:
        url = urlparse(entry.report_link)
        if url.scheme not in ("https", "http") or not url.netloc:
            problems.append(f"report link: {entry.report_link!r} is not an http(s) address")
    return problems


def entry_json(e: KnowledgeEntry) -> dict[str, Any]:
    """One knowledge entry as the CLI, the web page and partners read it."""
    return {
        "id": e.id,
        **{f.name: getattr(e, f.name) for f in fields(KnowledgeInput)},
        "catalogued": e.catalogued,
        "added_by": e.added_by,
        "agency": e.agency,
        "added_at": e.added_at.isoformat(),
    }


def add_entry(
    session: Session,
    user: str | None,
    entry: KnowledgeInput,
    catalogue: Collection[str],
    *,
    free_text: bool = False,
    origin: str | None = None,
) -> KnowledgeEntry:
    """Validate and store an entry for the acting user's agency, audited (the caller commits).

    An intervention outside ``catalogue`` is refused unless ``free_text``; it is then
    stored with ``catalogued`` False so readers see it is not a catalogue intervention.
    """
    who = require(session, user, "knowledge.add")
    entry = replace(
        entry,
        intervention=entry.intervention.strip(),
        country=entry.country.strip().upper(),
        design=entry.design.strip().lower(),
        measure=entry.measure.strip().lower().replace(" ", "_"),
        population=entry.population.strip(),
        report_link=(entry.report_link or "").strip() or None,
        note=(entry.note or "").strip() or None,
    )
    problems = validate(entry, catalogue, free_text=free_text)
    if problems:
        raise KnowledgeError(
            f"knowledge entry refused: {'; '.join(problems)}",
            problems=problems,
            hint="Correct the values named and add it again",
        )
    row = KnowledgeEntry(
        **asdict(entry),
        catalogued=entry.intervention in catalogue,
        added_by=who.name,
        agency=who.agency,
    )
    session.add(row)
    session.flush()
    record(
        session, who.name, "knowledge.add", agency=who.agency, object_type="knowledge",
        object_id=str(row.id), origin=origin,
        detail={"intervention": entry.intervention, "country": entry.country,
                "design": entry.design, "n": entry.n, "measure": entry.measure,
                "estimate": entry.estimate, "source": entry.source},
    )  # fmt: skip
    log.info("knowledge entry %d (%s, %s) added by %s", row.id, entry.intervention,
             entry.country, who.name)  # fmt: skip
    return row


def list_entries(
    session: Session,
    user: str | None,
    *,
    intervention: str | None = None,
    country: str | None = None,
) -> list[KnowledgeEntry]:
    """The knowledge base, newest first; every role but partner may read it."""
    require(session, user, "knowledge.read")
    query = select(KnowledgeEntry).order_by(KnowledgeEntry.id.desc())
    if intervention:
        query = query.where(KnowledgeEntry.intervention == intervention)
    if country:
        query = query.where(KnowledgeEntry.country == country.upper())
    return list(session.scalars(query))


def from_pilot(evaluation: PilotEvaluation, arm: str | None = None) -> KnowledgeInput:
    """A knowledge entry from a pilot's evaluation: the risk ratio of ``arm`` vs the reference.

    ``arm`` defaults to the first arm compared with the reference. The design is ``rct``
    (pilots are randomised); ``n`` counts the persons analysed in the two arms.
    """
    contrasts = {c.arm: c for c in evaluation.contrasts}
    if not contrasts:
        raise KnowledgeError(
            f"pilot {evaluation.pilot.id} has no contrast between arms yet",
            problems=list(evaluation.notes),
            hint="Evaluate the pilot once it has follow-up (`intercop evaluate pilot ID`)",
        )
    chosen = contrasts.get(arm) if arm else next(iter(contrasts.values()))
    if chosen is None:
        raise KnowledgeError(
            f"pilot {evaluation.pilot.id} has no arm {arm!r} compared with the reference",
            hint=f"Choose one of {', '.join(contrasts)}",
        )
    analysed = {f.arm: f.analysed for f in evaluation.flow}
    pilot = evaluation.pilot
    return KnowledgeInput(
        intervention=pilot.intervention,
        country=pilot.agency[:2],
        design="rct",
        population=f"persons eligible for pilot {pilot.name!r} of {pilot.agency} "
        f"(arm {chosen.arm} vs {chosen.reference})",
        n=analysed.get(chosen.arm, 0) + analysed.get(chosen.reference, 0),
        measure="risk_ratio",
        estimate=round(chosen.risk_ratio, 4),
        ci_low=round(chosen.rr_ci_low, 4),
        ci_high=round(chosen.rr_ci_high, 4),
        note=f"reoffending within follow-up as of {evaluation.as_of.date().isoformat()}, "
        f"grace {evaluation.grace_days} days; intention to treat"
        + ("; 0.5 added to every cell" if chosen.corrected else ""),
        source=f"pilot:{pilot.id}",
    )

"""Outcomes: what happened after contact (a reply, attendance, reoffending...).

``intercop outcome add`` records one; ``outcome import`` a CSV table of them. An import
checks every line first and imports nothing when any line is bad, naming each bad
line; importing the same rows again adds nothing (the store's unique constraint on
person, kind, time and source), and the duplicates are counted.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from intercop.access import allowed, require
from intercop.audit import record
from intercop.errors import InputError, IntercopError
from intercop.store.models import Case, Outcome, Pilot, PilotAssignment, User

KINDS = ("reply", "attended", "refused", "no_show", "completed", "reoffended", "other")
COLUMNS = ("person_id", "kind", "at", "note", "pilot")
REQUIRED = ("person_id", "kind", "at")
SOURCE_CLI = "cli"
SOURCE_IMPORT = "import"
#: an outcome may be dated at most this far ahead (time zones), never in the future
_SLACK = timedelta(days=1)


class OutcomeError(IntercopError):
    """An outcome cannot be recorded as given."""


@dataclass(frozen=True)
class OutcomeInput:
    """One outcome to record; ``line`` is its line in an imported file."""

    person_id: str
    kind: str
    at: datetime
    note: str | None = None
    pilot: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    path: str
    sha256: str
    lines: int
    added: int
    duplicates: int


def parse_at(text: str) -> datetime:
    """A date (midnight UTC) or an ISO timestamp (UTC when it has no zone)."""
    text = text.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), UTC)
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO timestamp") from exc
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def check_fields(person_id: str, kind: str, at: str, pilot: str | None) -> list[str]:
    """What is wrong with one outcome's texts (empty when nothing is)."""
    problems = []
    if not person_id.strip():
        problems.append("person_id is empty")
    if kind not in KINDS:
        problems.append(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    try:
        when = parse_at(at)
        if when > datetime.now(UTC) + _SLACK:
            problems.append(f"at {at!r} is in the future")
    except ValueError as exc:
        problems.append(f"at: {exc}")
    if pilot and not pilot.strip().isdigit():
        problems.append(f"pilot {pilot!r} is not a pilot id (a number)")
    return problems


def make_input(
    person_id: str, kind: str, at: str, note: str | None = None, pilot: str | None = None,
    line: int | None = None,
) -> OutcomeInput:  # fmt: skip
    """An outcome from texts (call ``check_fields`` first)."""
    return OutcomeInput(
        person_id.strip(),
        kind,
        parse_at(at),
        (note or "").strip() or None,
        int(pilot) if pilot and pilot.strip() else None,
        line,
    )


def parse_csv(path: Path) -> tuple[list[OutcomeInput], list[tuple[int, str]]]:
    """The good outcomes of a CSV file and the problems of the bad lines (by line).

    A wrong header is an InputError at once: no line can be read without it.
    """
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot be read: {exc}", path=path) from exc
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        unknown = [c for c in header if c not in COLUMNS]
        if missing or unknown:
            what = "; ".join(
                p for p in (f"missing column(s) {', '.join(missing)}" if missing else "",
                            f"unknown column(s) {', '.join(unknown)}" if unknown else "") if p
            )  # fmt: skip
            raise InputError(
                f"{what}; the columns are {', '.join(COLUMNS)} (note and pilot optional)",
                path=path,
                line=1,
                hint="Fix the header line; nothing was imported",
            )
        items, bad = [], []
        for row in reader:
            line = reader.line_num
            if None in row:
                bad.append((line, "more values than columns"))
                continue
            values = {c: (row.get(c) or "") for c in COLUMNS}
            problems = check_fields(values["person_id"], values["kind"], values["at"],
                                    values["pilot"])  # fmt: skip
            if problems:
                bad.append((line, "; ".join(problems)))
                continue
            items.append(make_input(**values, line=line))
    return items, bad


def _bad_lines(path: Path, bad: list[tuple[int, str]]) -> InputError:
    text = " | ".join(f"line {line}: {problem}" for line, problem in sorted(bad))
    return InputError(
        f"{len(bad)} bad line(s): {text}", path=path, hint="Fix these lines; nothing was imported"
    )


def _checked(session: Session, user: User, items: Sequence[OutcomeInput]) -> list[tuple[int, str]]:
    """Problems the store sees (no case, wrong agency, pilot), by line (0 when none)."""
    persons = sorted({i.person_id for i in items})
    cases: dict[str, list[Case]] = {}
    for chunk in _chunks(persons, 1000):
        for c in session.scalars(select(Case).where(Case.person_id.in_(chunk))):
            cases.setdefault(c.person_id, []).append(c)
    pilots = {i.pilot for i in items if i.pilot is not None}
    known_pilots = {p.id for p in session.scalars(select(Pilot).where(Pilot.id.in_(pilots)))}
    members = {
        (a.pilot_id, a.person_id)
        for a in session.scalars(
            select(PilotAssignment).where(PilotAssignment.pilot_id.in_(known_pilots))
        )
    }
    problems: list[tuple[int, str]] = []
    for i in items:
        where = i.line or 0
        own = [c for c in cases.get(i.person_id, []) if allowed(user, "outcome.record", c.agency)]
        if not cases.get(i.person_id):
            problems.append((where, f"no case for person {i.person_id!r}"))
        elif not own:
            agencies = ", ".join(sorted({c.agency for c in cases[i.person_id]}))
            problems.append((where, f"person {i.person_id!r} is a case of {agencies} only"))
        if i.pilot is not None and i.pilot not in known_pilots:
            problems.append((where, f"no pilot {i.pilot}"))
        elif i.pilot is not None and (i.pilot, i.person_id) not in members:
            problems.append((where, f"person {i.person_id!r} is not in pilot {i.pilot}"))
    return problems


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _case_id(session: Session, user: User, person_id: str) -> int | None:
    for c in session.scalars(select(Case).where(Case.person_id == person_id).order_by(Case.id)):
        if allowed(user, "outcome.record", c.agency):
            return c.id
    return None


def _store(
    session: Session, user: User, items: Sequence[OutcomeInput], source: str
) -> tuple[int, int]:
    """Insert the outcomes not stored yet; (added, duplicates)."""
    keys = {(i.person_id, i.kind, i.at) for i in items}
    existing = {
        (o.person_id, o.kind, o.at)
        for o in session.scalars(
            select(Outcome).where(
                Outcome.source == source,
                tuple_(Outcome.person_id, Outcome.kind).in_({(p, k) for p, k, _ in keys}),
            )
        )
    } if keys else set()  # fmt: skip
    added = 0
    for i in items:
        key = (i.person_id, i.kind, i.at)
        if key in existing:
            continue
        existing.add(key)
        session.add(
            Outcome(
                person_id=i.person_id,
                case_id=_case_id(session, user, i.person_id),
                pilot_id=i.pilot,
                kind=i.kind,
                at=i.at,
                note=i.note,
                source=source,
                user_name=user.name,
            )
        )
        added += 1
    session.flush()
    return added, len(items) - added


def add_outcome(session: Session, user_name: str | None, item: OutcomeInput) -> bool:
    """Record one outcome; False when the same one was recorded already (no commit)."""
    user = require(session, user_name, "outcome.record")
    problems = _checked(session, user, [item])
    if problems:
        raise OutcomeError("; ".join(p for _, p in problems), hint="Nothing was recorded")
    added, _ = _store(session, user, [item], SOURCE_CLI)
    record(session, user.name, "outcome.add", object_type="person", object_id=item.person_id,
           detail={"kind": item.kind, "at": item.at.isoformat(), "pilot": item.pilot,
                   "added": bool(added)})  # fmt: skip
    return bool(added)


def import_outcomes(session: Session, user_name: str | None, path: Path) -> ImportReport:
    """Import a CSV of outcomes: all lines checked first, nothing imported if one is bad."""
    user = require(session, user_name, "outcome.record")
    items, bad = parse_csv(path)
    bad += _checked(session, user, items)
    if bad:
        raise _bad_lines(path, bad)
    added, duplicates = _store(session, user, items, SOURCE_IMPORT)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = ImportReport(str(path), digest, len(items), added, duplicates)
    record(session, user.name, "outcome.import", object_type="file", object_id=path.name,
           detail={"sha256": digest, "lines": len(items), "added": added,
                   "duplicates": duplicates})  # fmt: skip
    return report


def list_outcomes(session: Session, user_name: str | None, person_id: str) -> list[Outcome]:
    """A person's outcomes, oldest first."""
    require(session, user_name, "case.read")
    query = select(Outcome).where(Outcome.person_id == person_id)
    return list(session.scalars(query.order_by(Outcome.at, Outcome.id)))

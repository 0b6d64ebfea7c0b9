"""Outcomes: one by one, or imported from CSV with every bad line named and nothing half-done."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intercop.access import AccessError
from intercop.casework.cases import open_case
from intercop.casework.outcomes import (
    OutcomeError,
    add_outcome,
    import_outcomes,
    list_outcomes,
    make_input,
    parse_at,
)
from intercop.errors import InputError
from intercop.store.models import AuditEntry, Outcome
from tests.casework.fixtures import Home


def cases(home: Home, *persons: str, agency: str = "NL") -> None:
    with home.store.session() as s:
        for p in persons:
            open_case(s, p, agency, "ana")
        s.commit()


def count(home: Home) -> int:
    with home.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Outcome)) or 0)


def test_dates_and_timestamps() -> None:
    assert parse_at("2025-03-01") == datetime(2025, 3, 1, tzinfo=UTC)
    assert parse_at("2025-03-01T10:00:00+02:00") == datetime(2025, 3, 1, 8, tzinfo=UTC)
    assert parse_at("2025-03-01T10:00:00") == datetime(2025, 3, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a date"):
        parse_at("01/03/2025")


def test_add_records_once(home: Home) -> None:
    cases(home, "p1")
    item = make_input("p1", "reply", "2025-03-01", "said sorry")
    with home.store.session() as s:
        assert add_outcome(s, "olle", item)
        s.commit()
    with home.store.session() as s:
        assert not add_outcome(s, "olle", item)
        s.commit()
        [o] = list_outcomes(s, "olle", "p1")
        assert (o.kind, o.note, o.source, o.user_name) == ("reply", "said sorry", "cli", "olle")
        assert o.case_id is not None
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "outcome.add")) == 2  # fmt: skip


def test_add_refuses_unknown_persons_other_agencies_and_roles(home: Home) -> None:
    cases(home, "fi1", agency="FI")
    with home.store.session() as s, pytest.raises(OutcomeError, match="no case for person 'x'"):
        add_outcome(s, "olle", make_input("x", "reply", "2025-03-01"))
    with home.store.session() as s, pytest.raises(OutcomeError, match="is a case of FI only"):
        add_outcome(s, "olle", make_input("fi1", "reply", "2025-03-01"))
    with home.store.session() as s, pytest.raises(AccessError):
        add_outcome(s, "aud", make_input("fi1", "reply", "2025-03-01"))
    with home.store.session() as s, pytest.raises(OutcomeError, match="no pilot 9"):
        add_outcome(s, "fiona", make_input("fi1", "reply", "2025-03-01", pilot="9"))


def test_import_is_idempotent(home: Home, tmp_path: Path) -> None:
    cases(home, "p1", "p2")
    path = tmp_path / "outcomes.csv"
    path.write_text(
        "person_id,kind,at,note\n"
        "p1,attended,2025-04-01,came with his mother\n"
        "p2,no_show,2025-04-01,\n"
        "p2,no_show,2025-04-01,\n"  # the same row twice
    )
    with home.store.session() as s:
        report = import_outcomes(s, "ana", path)
        s.commit()
    assert (report.lines, report.added, report.duplicates) == (3, 2, 1)
    with home.store.session() as s:
        again = import_outcomes(s, "ana", path)
        s.commit()
        [audit, _] = s.scalars(select(AuditEntry).where(AuditEntry.action == "outcome.import"))
    assert (again.added, again.duplicates) == (0, 3)
    assert count(home) == 2
    assert json.loads(audit.detail)["sha256"] == report.sha256


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("person_id,kind,at\np1,reply,2025-13-01\np1,dance,2025-01-01\np9,reply,2025-01-01\n",
         ["3 bad line(s)", "line 2: at: '2025-13-01' is not a date", "line 3: unknown kind 'dance'",
          "line 4: no case for person 'p9'"]),
        ("person_id,at\np1,2025-01-01\n", ["outcomes.csv:1:", "missing column(s) kind"]),
        ("person_id,kind,at,pilot_id\n", ["outcomes.csv:1:", "unknown column(s) pilot_id"]),
        ("person_id,kind,at\np1,reply,2999-01-01\n", ["line 2: at '2999-01-01' is in the future"]),
        ("person_id,kind,at,note,pilot\np1,reply,2025-01-01,,P1\n", ["line 2: pilot 'P1' is not"]),
        ("person_id,kind,at\np1,reply,2025-01-01,extra\n", ["line 2: more values than columns"]),
    ],
)  # fmt: skip
def test_a_bad_file_imports_nothing(
    home: Home, tmp_path: Path, text: str, needles: list[str]
) -> None:
    cases(home, "p1")
    path = tmp_path / "outcomes.csv"
    path.write_text("person_id,kind,at\np1,reply,2025-01-01\n")
    with home.store.session() as s:
        import_outcomes(s, "ana", path)
        s.commit()
    path.write_text(text)
    with home.store.session() as s, pytest.raises(InputError) as caught:
        import_outcomes(s, "ana", path)
    for needle in needles:
        assert needle in str(caught.value)
    assert "nothing was imported" in str(caught.value)
    assert count(home) == 1

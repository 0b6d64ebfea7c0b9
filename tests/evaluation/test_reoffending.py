"""The follow-up table: grace period, censoring at the data's end, outcomes, exclusions."""

from __future__ import annotations

from datetime import UTC, datetime

from intercop.evaluation.activity import ActivityScan, FirstActivity
from intercop.evaluation.reoffending import Assigned, Covariates, follow_up


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


AS_OF = at("2025-01-01")


def table(
    scan: ActivityScan,
    outcomes: dict[str, list[tuple[datetime, str]]] | None = None,
    assigned: list[Assigned] | None = None,
):  # type: ignore[no-untyped-def]
    people = assigned or [Assigned("P1", "warned", "NL", at("2024-01-01"))]
    return follow_up(
        people, scan, outcomes or {}, {"P1": Covariates(risk=0.4)}, grace_days=14, as_of=AS_OF
    )


def test_first_activity_after_grace_is_the_event() -> None:
    scan = ActivityScan(
        {"P1": FirstActivity(at("2024-03-01"), "attack", "ds1")},
        {"P1": at("2024-06-01")},
        frozenset(),
    )
    row = table(scan).rows[0]
    assert row.event and row.start == at("2024-01-15") and row.end == at("2024-03-01")
    assert row.days == 46.0
    assert row.source == "attack in dataset ds1"
    assert row.covariates.risk == 0.4


def test_no_activity_is_censored_at_the_end_of_the_data() -> None:
    scan = ActivityScan({}, {"P1": at("2024-06-01")}, frozenset())
    row = table(scan).rows[0]
    assert not row.event and row.end == at("2024-06-01") and row.days == 138.0


def test_censoring_stops_at_as_of() -> None:
    scan = ActivityScan({}, {"P1": at("2026-06-01")}, frozenset())
    assert table(scan).rows[0].end == AS_OF


def test_a_recorded_outcome_before_the_activity_wins() -> None:
    scan = ActivityScan(
        {"P1": FirstActivity(at("2024-05-01"), "login", "ds1")},
        {"P1": at("2024-06-01")},
        frozenset(),
    )
    outcomes = {"P1": [(at("2024-02-01"), "court NL"), (at("2024-01-05"), "in grace")]}
    row = table(scan, outcomes).rows[0]
    assert row.end == at("2024-02-01") and row.source == "outcome: court NL"


def test_an_outcome_counts_beyond_the_seized_data() -> None:
    scan = ActivityScan({}, {"P1": at("2024-02-01")}, frozenset())
    row = table(scan, {"P1": [(at("2024-09-01"), "court")]}).rows[0]
    assert row.event and row.end == at("2024-09-01")


def test_exclusions_say_why() -> None:
    people = [
        Assigned("P1", "warned", "NL", None),
        Assigned("P2", "control", "NL", at("2024-01-01")),
        Assigned("P3", "control", "NL", at("2024-01-01")),
        Assigned("P4", "control", "NL", at("2024-12-30")),
    ]
    scan = ActivityScan({}, {"P3": at("2024-01-10")}, frozenset({"P2"}))
    result = table(scan, assigned=people)
    assert result.rows == ()
    reasons = {e.person_id: e.reason for e in result.excluded}
    assert "no t0" in reasons["P1"]
    assert "not linked" in reasons["P2"]
    assert "the seized data end on 2024-01-10" in reasons["P3"]
    assert "starts after 2025-01-01" in reasons["P4"]


def test_frame_has_one_row_per_person() -> None:
    scan = ActivityScan({}, {"P1": at("2024-06-01")}, frozenset())
    frame = table(scan).frame()
    assert list(frame[["person_id", "arm", "event"]].iloc[0]) == ["P1", "warned", 0]
    assert frame["risk"].iloc[0] == 0.4 and frame["age"].isna().all()

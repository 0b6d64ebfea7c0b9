"""Age from birthdays and years in handles; minor flags."""

from __future__ import annotations

from datetime import date

from intercop.profiles.age import age_band, estimate_age, years_in_name

TODAY = date(2026, 6, 1)


def test_years_in_names() -> None:
    assert years_in_name("peter2004") == ((2004, 4),)
    assert years_in_name("kimhydra05") == ((2005, 2), (1905, 2))
    assert years_in_name("j35p3r") == ()
    assert years_in_name("x12345") == ()


def test_year_in_a_handle_gives_an_age_when_plausible() -> None:
    est = estimate_age([], [("kimhydra05", "booter")], date(2023, 3, 1), date(2023, 9, 1), TODAY)
    assert est.birth_year == 2005
    assert est.basis == "year_in_name"
    assert est.age_at_first_activity == 17
    assert est.minor_at_activity is True and est.minor_now is False
    assert 0 < est.confidence < 0.5
    four = estimate_age([], [("peter2004", "e-mail")], date(2023, 3, 1), None, TODAY)
    assert four.confidence > est.confidence
    assert four.birth_year == 2004


def test_implausible_years_are_ignored() -> None:
    est = estimate_age([], [("karl55", "forum"), ("neo1960", "x")], date(2023, 1, 1), None, TODAY)
    assert est.birth_year is None
    assert est.flags == ("no_evidence",)


def test_birthday_field_wins_and_placeholders_are_ignored() -> None:
    est = estimate_age(
        [(date(1970, 1, 1), "market"), (date(2009, 2, 20), "forum")],
        [("gamer1999", "forum")],
        date(2024, 1, 10),
        date(2025, 3, 1),
        TODAY,
    )
    assert est.birth_date == date(2009, 2, 20)
    assert est.basis == "birthday"
    assert est.age_at_first_activity == 14 and est.age_at_last_activity == 16
    assert est.age_now == 17
    assert est.minor_at_activity is True and est.minor_now is True
    assert "name_year_disagrees" in est.flags
    assert any(e["kind"] == "birthday_ignored" for e in est.evidence)


def test_adult_at_activity_and_borderline_year() -> None:
    adult = estimate_age([(date(2000, 5, 5), "forum")], [], date(2023, 1, 1), None, TODAY)
    assert adult.minor_at_activity is False and adult.minor_now is False
    edge = estimate_age([], [("max2005", "booter")], date(2023, 6, 1), None, TODAY)
    assert "minor_borderline" in edge.flags


def test_age_bands() -> None:
    assert age_band(None) == "unknown"
    assert age_band(11) == "<12"
    assert age_band(15) == "12-15"
    assert age_band(17) == "16-17"
    assert age_band(45) == "30+"


def test_birth_year_field_sits_between_a_birthday_and_a_name() -> None:
    field = estimate_age([], [], date(2023, 3, 1), None, TODAY, [(2007, "market")])
    assert field.birth_year == 2007 and field.basis == "birth_year"
    assert field.birth_date is None  # a year is not a date
    assert field.age_at_first_activity == 15 and field.minor_at_activity is True
    name = estimate_age([], [("peter2007", "forum")], date(2023, 3, 1), None, TODAY)
    birthday = estimate_age([(date(2007, 2, 1), "forum")], [], date(2023, 3, 1), None, TODAY)
    assert name.confidence < field.confidence < birthday.confidence
    assert any(e["kind"] == "birth_year" and e["value"] == 2007 for e in field.evidence)


def test_birth_year_field_outweighs_a_lucky_number_but_not_a_birthday() -> None:
    est = estimate_age(
        [], [("wolf1999", "booter")], date(2023, 3, 1), None, TODAY, [(2006, "market")]
    )
    assert (est.birth_year, est.basis) == (2006, "birth_year")
    assert "conflict" in est.flags
    agree = estimate_age(
        [], [("anna2006", "booter")], date(2023, 3, 1), None, TODAY, [(2006, "market")]
    )
    assert agree.confidence > est.confidence and not agree.flags
    clash = estimate_age(
        [(date(2004, 5, 5), "forum")], [], date(2023, 3, 1), None, TODAY, [(2006, "market")]
    )
    assert (clash.birth_year, clash.basis) == (2004, "birthday")
    assert "birth_year_disagrees" in clash.flags


def test_impossible_birth_years_are_ignored() -> None:
    est = estimate_age([], [], date(2023, 3, 1), None, TODAY, [(1900, "market"), (2030, "x")])
    assert est.birth_year is None and est.flags == ("no_evidence",)
    assert [e["kind"] for e in est.evidence] == ["birth_year_ignored"] * 2

from __future__ import annotations

from intercop.identity.person_ids import assign_person_ids


def test_first_run_numbers_in_order() -> None:
    ids = assign_person_ids([["b:1"], ["a:1", "a:2"]], {})
    assert ids == {"a:1": "PER-000001", "a:2": "PER-000001", "b:1": "PER-000002"}


def test_new_accounts_join_existing_persons_without_renumbering() -> None:
    previous = {"a:1": "PER-000001", "b:1": "PER-000002", "c:1": "PER-000003"}
    groups = [["a:1", "z:9"], ["b:1"], ["c:1"], ["y:1"]]
    ids = assign_person_ids(groups, previous)
    assert ids["a:1"] == ids["z:9"] == "PER-000001"
    assert ids["b:1"] == "PER-000002" and ids["c:1"] == "PER-000003"
    assert ids["y:1"] == "PER-000004"


def test_a_split_keeps_the_id_on_the_larger_part() -> None:
    previous = {"a:1": "PER-000007", "a:2": "PER-000007", "a:3": "PER-000007"}
    ids = assign_person_ids([["a:3"], ["a:1", "a:2"]], previous)
    assert ids["a:1"] == ids["a:2"] == "PER-000007"
    assert ids["a:3"] == "PER-000008"


def test_a_merge_keeps_the_majority_id() -> None:
    previous = {"a:1": "PER-000001", "b:1": "PER-000002", "b:2": "PER-000002"}
    ids = assign_person_ids([["a:1", "b:1", "b:2"]], previous)
    assert set(ids.values()) == {"PER-000002"}

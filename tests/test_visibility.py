"""Agency isolation: own datasets, their persons, cased persons; invisible looks missing."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from intercop.casework.cases import open_case
from intercop.identity.directory import open_directory
from intercop.store import open_store
from intercop.visibility import (
    NotVisibleError,
    can_see_dataset,
    can_see_person,
    check_dataset,
    check_person,
    visibility_for,
)
from tests.identity.people import People, people, people_copy

__all__ = ["people", "people_copy"]


def _persons_by_dataset(p: People) -> dict[str, set[str]]:
    table = pq.read_table(
        p.workspace.derived / "persons.parquet", columns=["person_id", "dataset_id"]
    )
    out: dict[str, set[str]] = {}
    persons, datasets = (
        table.column("person_id").to_pylist(),
        table.column("dataset_id").to_pylist(),
    )
    for pid, ds in zip(persons, datasets, strict=True):
        out.setdefault(ds, set()).add(pid)
    return out


def test_an_agency_sees_its_datasets_and_their_persons(people_copy: People) -> None:
    p = people_copy
    by_ds = _persons_by_dataset(p)
    with open_store(p.workspace) as store, store.session() as s:
        nl = visibility_for(p.workspace, s, "nl")
        gb = visibility_for(p.workspace, s, "GB")
        net = visibility_for(p.workspace, s, "NETWORK")
    assert nl.dataset_ids == p.nl_datasets and gb.dataset_ids == {p.gb_dataset}
    assert gb.person_ids == by_ds[p.gb_dataset]
    assert nl.person_ids == set().union(*(by_ds[d] for d in p.nl_datasets))
    assert can_see_dataset(gb, p.gb_dataset) and not can_see_dataset(nl, p.gb_dataset)
    # a GB-only person (no account in an NL dataset) is invisible to NL
    gb_only = sorted(gb.person_ids - nl.person_ids)
    assert gb_only and not can_see_person(nl, gb_only[0])
    assert net.network and net.person_ids == open_directory(p.workspace).all_person_ids()


def test_an_agency_without_datasets_sees_nobody_until_a_case_is_routed_to_it(
    people_copy: People,
) -> None:
    p = people_copy
    with open_store(p.workspace) as store:
        with store.session() as s:
            fi = visibility_for(p.workspace, s, "FI")
            assert not fi.dataset_ids and not fi.person_ids
            directory = open_directory(p.workspace)
            assert directory.page(fi).total == 0 and directory.counts(fi).total == 0
            person = directory.person_ids[0]
            open_case(s, person, "FI", "nina")
            s.commit()
        with store.session() as s:
            fi = visibility_for(p.workspace, s, "FI")
    assert fi.person_ids == {person} and fi.case_person_ids == {person}
    assert can_see_person(fi, person)
    assert [e.person_id for e in directory.page(fi).items] == [person]
    assert directory.get(fi, person).person_id == person


def test_an_invisible_person_looks_exactly_like_a_missing_one(people_copy: People) -> None:
    p = people_copy
    with open_store(p.workspace) as store, store.session() as s:
        fi = visibility_for(p.workspace, s, "FI")
    directory = open_directory(p.workspace)
    existing = directory.person_ids[0]
    errors = []
    for pid in (existing, "PER-999999"):
        with pytest.raises(NotVisibleError) as caught:
            directory.get(fi, pid)
        errors.append(caught.value)
        with pytest.raises(NotVisibleError):
            check_person(fi, pid)
    assert type(errors[0]) is type(errors[1])
    assert str(errors[0]).replace(existing, "X") == str(errors[1]).replace("PER-999999", "X")
    with pytest.raises(NotVisibleError) as a:
        check_dataset(fi, p.gb_dataset)
    with pytest.raises(NotVisibleError) as b:
        check_dataset(fi, "0000000000000000")
    assert str(a.value).replace(p.gb_dataset, "X") == str(b.value).replace("0000000000000000", "X")


def test_the_visibility_is_cached_until_cases_change(people_copy: People) -> None:
    p = people_copy
    with open_store(p.workspace) as store:
        with store.session() as s:
            first = visibility_for(p.workspace, s, "NL")
            assert visibility_for(p.workspace, s, "NL") is first
            open_case(s, open_directory(p.workspace).person_ids[-1], "SE", "nina")
            s.commit()
        with store.session() as s:
            assert visibility_for(p.workspace, s, "NL") is not first

"""Distribution levels: NL shares with FI and not with SE; FI sees, SE sees nothing."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from intercop.access import AccessError, add_user
from intercop.casework.cases import open_case
from intercop.cli.app import app
from intercop.exchange.knowledge import KnowledgeError, network_cohorts
from intercop.exchange.sharing import (
    Distribution,
    SharingError,
    dataset_access,
    distribution_of,
    full_dataset_ids,
    history_of,
    may_see,
    set_distribution,
    shared_case_person_ids,
)
from intercop.identity.directory import open_directory
from intercop.lawful.categories import recipients_of
from intercop.store import open_store
from intercop.store.models import AppendOnlyError, AuditEntry, DistributionChange
from intercop.visibility import NotVisibleError, visibility_for
from tests.exchange.fixtures import NL_DATASET, P_REF, Network
from tests.identity.people import People, people, people_copy

__all__ = ["people", "people_copy"]

runner = CliRunner()


def test_may_see_follows_the_level() -> None:
    own = Distribution("dataset", "d", "NL")
    assert may_see("NL", own) == "full" and may_see("FI", own) is None
    assert may_see("NETWORK", own) == "full"
    partners = Distribution("dataset", "d", "NL", "partners", ("FI",))
    assert may_see("fi", partners) == "full" and may_see("SE", partners) is None
    network = Distribution("dataset", "d", "NL", "network")
    assert may_see("SE", network) == "full" and may_see("US", network, eu=False) == "aggregate"
    aggregate = Distribution("dataset", "d", "NL", "aggregate")
    assert may_see("FI", aggregate) == "aggregate"


def test_the_default_is_own_agency_h2_amber(network: Network) -> None:
    with network.store.session() as s:
        d = distribution_of(s, "case", str(network.case_id))
        ds = distribution_of(s, "dataset", NL_DATASET, network.workspace)
    assert (d.owner, d.level, d.handling, d.tlp, d.default) == ("NL", "own", "H2", "amber", True)
    assert ds.owner == "NL" and ds.level == "own" and ds.as_json()["tlp"] == "TLP:AMBER"


def test_nl_shares_a_case_and_a_dataset_with_fi_not_se(network: Network) -> None:
    ws, case = network.workspace, str(network.case_id)
    with network.store.session() as s:
        set_distribution(s, "sam", "case", case, "partners", ["fi"], "H1", "TLP:AMBER",
                         "FI can visit him")  # fmt: skip
        set_distribution(s, "sam", "dataset", NL_DATASET, "partners", ["FI"], "H2", "green",
                         "joint operation", workspace=ws)  # fmt: skip
        s.commit()
    with network.store.session() as s:
        d = distribution_of(s, "case", case)
        assert (d.level, d.partners, d.handling, d.set_by) == ("partners", ("FI",), "H1", "sam")
        assert shared_case_person_ids(s, "FI") == {P_REF}
        assert shared_case_person_ids(s, "SE") == set() == shared_case_person_ids(s, "NL")
        assert full_dataset_ids(s, "FI") == {NL_DATASET} and full_dataset_ids(s, "SE") == set()
        # the visibility itself is tested on a resolved workspace below
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "share.set")))
        assert [(e.object_type, e.user_name, e.agency) for e in entries] == [
            ("case", "sam", "NL"),
            ("dataset", "sam", "NL"),
        ]
        assert json.loads(entries[0].detail)["recipients"] == ["FI"]
        assert recipients_of(entries[0]) == ["recipients:FI"]  # a disclosure, for the DPO
        assert entries[0].reason == "FI can visit him"


def test_a_new_distribution_replaces_the_old_and_history_keeps_both(network: Network) -> None:
    case = str(network.case_id)
    with network.store.session() as s:
        set_distribution(s, "sam", "case", case, "partners", ["FI"], reason="first")
        s.commit()
        set_distribution(s, "sam", "case", case, "own", reason="operation over")
        s.commit()
        assert distribution_of(s, "case", case).level == "own"
        assert shared_case_person_ids(s, "FI") == set()
        assert [h.level for h in history_of(s, "case", case)] == ["partners", "own"]
        change = s.scalars(select(DistributionChange)).first()
        assert change is not None
        change.reason = "rewritten"
        with pytest.raises(AppendOnlyError):
            s.flush()
        s.rollback()
    with network.store.engine.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text("UPDATE distribution_history SET reason = 'x'"))


@pytest.mark.parametrize(
    "user, kwargs, match",
    [
        ("olle", {}, "needs the role supervisor"),
        ("nina", {"level": "network"}, None),  # the network coordination may (any agency)
        ("sam", {"partners": []}, "needs at least one partner"),
        ("sam", {"partners": ["XX"]}, "unknown agency XX"),
        ("sam", {"partners": ["US"]}, "outside the EU"),
        ("sam", {"partners": ["NL"]}, "not a partner of itself"),
        ("sam", {"level": "network", "tlp": "red", "partners": []}, "TLP:RED"),
        ("sam", {"level": "network"}, "only at level 'partners'"),
        ("sam", {"handling": "H9"}, "unknown handling code"),
        ("sam", {"tlp": "purple"}, "unknown TLP label"),
        ("sam", {"level": "everyone"}, "unknown level"),
        ("sam", {"reason": " "}, "needs a reason"),
    ],
)
def test_refusals_say_why(
    network: Network, user: str, kwargs: dict[str, object], match: str | None
) -> None:
    args: dict[str, object] = {"level": "partners", "partners": ["FI"], "handling": "H2",
                               "tlp": "amber", "reason": "test"}  # fmt: skip
    args.update(kwargs)
    if match is None and args["level"] == "network":
        args["partners"] = []
    with network.store.session() as s:
        call = lambda: set_distribution(s, user, "case", str(network.case_id), **args)  # noqa: E731
        if match is None:
            assert call().level == "network"
            return
        with pytest.raises((SharingError, AccessError), match=match):
            call()


def test_a_user_of_another_agency_cannot_share_nl_data(network: Network) -> None:
    with network.store.session() as s:
        add_user(s, "fisup", "supervisor", "FI", acting="sam")  # no admin yet: bootstrap rule
        with pytest.raises(AccessError, match="belongs to agency FI, not NL"):
            set_distribution(s, "fisup", "case", str(network.case_id), "network", reason="x")
        with pytest.raises(SharingError, match="no dataset"):
            set_distribution(s, "sam", "dataset", "nope", "network", reason="x",
                             workspace=network.workspace)  # fmt: skip


def test_cli_share_set_and_show(network: Network) -> None:
    args = ["share", "set", "dataset", NL_DATASET, "--level", "partners", "--partners", "FI,SE",
            "--handling", "H2", "--tlp", "amber", "--reason", "joint action", "--user", "sam",
            "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["partners"] == ["FI", "SE"]
    shown = runner.invoke(app, ["share", "show", "dataset", NL_DATASET, "--json", "--history"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    assert doc["level"] == "partners" and doc["tlp"] == "TLP:AMBER" and len(doc["history"]) == 1
    listed = runner.invoke(app, ["share", "list", "--json"])
    assert [d["object_id"] for d in json.loads(listed.stdout)] == [NL_DATASET]
    refused = runner.invoke(app, ["share", "set", "case", str(network.case_id), "--level",
                                  "network", "--reason", "x", "--user", "fin"])  # fmt: skip
    assert isinstance(refused.exception, AccessError)


# --- on a resolved workspace: visibility, search, directory, network cohorts ---------------


def _users(s: object) -> None:
    for name, role, agency in [("sam", "supervisor", "NL"), ("olle", "officer", "NL"),
                               ("fin", "officer", "FI"), ("sven", "officer", "SE")]:  # fmt: skip
        add_user(s, name, role, agency, acting="setup")  # type: ignore[arg-type]


def _persons_of(p: People, dataset: str) -> set[str]:
    table = pq.read_table(p.workspace.derived / "persons.parquet")
    return {
        pid
        for pid, ds in zip(
            table.column("person_id").to_pylist(),
            table.column("dataset_id").to_pylist(),
            strict=True,
        )
        if ds == dataset
    }


def test_se_sees_nothing_by_any_route_while_fi_sees_the_shared_data(people_copy: People) -> None:
    p = people_copy
    shared = sorted(p.nl_datasets)[0]
    persons = _persons_of(p, shared)
    directory = open_directory(p.workspace)
    with open_store(p.workspace) as store, store.session() as s:
        _users(s)
        set_distribution(s, "sam", "dataset", shared, "partners", ["FI"], reason="joint action",
                         workspace=p.workspace)  # fmt: skip
        s.commit()
        fi = visibility_for(p.workspace, s, "FI")
        se = visibility_for(p.workspace, s, "SE")
    assert fi.dataset_ids == {shared} and fi.person_ids == persons
    assert directory.page(fi).total == len(persons) and directory.counts(fi).total == len(persons)
    some = sorted(persons)[0]
    assert directory.get(fi, some).person_id == some
    assert [h.entry.person_id for h in directory.search(fi, some)] == [some]
    assert not se.dataset_ids and not se.person_ids
    assert directory.page(se).total == 0 and directory.counts(se).total == 0
    assert directory.search(se, some) == []
    with pytest.raises(NotVisibleError):
        directory.get(se, some)


def test_a_shared_case_makes_its_person_visible_read_only(people_copy: People) -> None:
    p = people_copy
    gb_only = sorted(_persons_of(p, p.gb_dataset) - set().union(
        *(_persons_of(p, d) for d in p.nl_datasets)))  # fmt: skip
    person = gb_only[0]
    with open_store(p.workspace) as store, store.session() as s:
        _users(s)
        case = open_case(s, person, "NL", "olle")
        s.commit()
        set_distribution(s, "sam", "case", str(case.id), "partners", ["FI"], reason="refer")
        s.commit()
        fi = visibility_for(p.workspace, s, "FI")
        se = visibility_for(p.workspace, s, "SE")
    assert fi.person_ids == {person} == fi.case_person_ids and not fi.dataset_ids
    assert not se.person_ids


def test_aggregates_only_counts_in_network_cohorts_but_shows_no_person(
    people_copy: People,
) -> None:
    p = people_copy
    with open_store(p.workspace) as store, store.session() as s:
        _users(s)
        before = network_cohorts(p.workspace, s, "FI", ["country"])
        assert before["datasets"] == [] and before["total"] == 0
        for ds in sorted(p.nl_datasets):
            set_distribution(s, "sam", "dataset", ds, "aggregate", reason="network statistics",
                             workspace=p.workspace)  # fmt: skip
        s.commit()
        fi = visibility_for(p.workspace, s, "FI")
        doc = network_cohorts(p.workspace, s, "FI", ["country", "age_band"])
        access = dataset_access(s, "SE", {d: "NL" for d in p.nl_datasets})
        with pytest.raises(KnowledgeError, match="counts of 10 or more"):
            network_cohorts(p.workspace, s, "FI", ["country"], min_cell=3)
    assert not fi.person_ids and not fi.dataset_ids
    nl_persons = set().union(*(_persons_of(p, d) for d in p.nl_datasets))
    assert doc["total"] == len(nl_persons) and doc["agencies"] == ["NL"]
    assert {d["access"] for d in doc["datasets"]} == {"aggregate"}
    assert set(access.values()) == {"aggregate"}
    shown = [c["persons"] for c in doc["cells"]]
    assert all(isinstance(n, str) or n >= 10 for n in shown)
    assert all(n == "<10" for n in shown if isinstance(n, str))
    assert any(c["suppressed"] for c in doc["cells"])


def test_one_cohort_distribution_counts_all_of_an_agencys_datasets(people_copy: People) -> None:
    p = people_copy
    with open_store(p.workspace) as store, store.session() as s:
        _users(s)
        set_distribution(s, "sam", "cohort", "NL", "aggregate", reason="network statistics")
        s.commit()
        doc = network_cohorts(p.workspace, s, "SE", ["country"])
    assert sorted(d["dataset_id"] for d in doc["datasets"]) == sorted(p.nl_datasets)

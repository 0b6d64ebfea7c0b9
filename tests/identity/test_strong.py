"""Strong links: shared canonical e-mail, bitcoin address or phone, with the hub guard."""

from __future__ import annotations

import pyarrow as pa
import pytest

from intercop.evidence.ingest import IngestResult
from intercop.identity.evaluate import load_truth
from intercop.identity.records import build_records
from intercop.identity.strong import STRONG_LINK, Hub, strong_links
from intercop.synth import Scenario
from intercop.workspace import Workspace

Ingested = tuple[Workspace, dict[str, IngestResult]]
PLACEHOLDER = "noreply@booter-panel.net"


def _records(rows: dict[str, dict[str, list[str]]]) -> pa.Table:
    """A minimal records table: uid and the three strong list columns."""
    uids = sorted(rows)
    return pa.table(
        {
            "uid": uids,
            **{
                col: pa.array([rows[u].get(col, []) for u in uids], type=pa.list_(pa.string()))
                for col in ("emails", "btc", "phones")
            },
        }
    )


def _pairs(links: pa.Table) -> list[tuple[str, str, str, str]]:
    return list(zip(*(links.column(c).to_pylist() for c in STRONG_LINK.names), strict=True))


def test_a_shared_value_gives_a_star_of_k_minus_one_links() -> None:
    records = _records(
        {
            "d1:4": {"emails": ["kid@gmail.com"]},
            "d1:2": {"emails": ["kid@gmail.com"], "phones": ["+31612345678"]},
            "d2:9": {"emails": ["kid@gmail.com", "other@ziggo.nl"]},
            "d3:1": {"emails": ["kid@gmail.com"]},
            "d3:7": {"phones": ["+31612345678"], "btc": ["bc1qexample"]},
            "d4:1": {"btc": ["bc1qexample"], "emails": ["lonely@ziggo.nl"]},
        }
    )
    result = strong_links(records)
    assert result.links.schema.equals(STRONG_LINK)
    assert _pairs(result.links) == [
        ("d1:2", "d1:4", "email", "kid@gmail.com"),
        ("d1:2", "d2:9", "email", "kid@gmail.com"),
        ("d1:2", "d3:1", "email", "kid@gmail.com"),
        ("d1:2", "d3:7", "phone", "+31612345678"),
        ("d3:7", "d4:1", "btc", "bc1qexample"),
    ]
    assert result.hubs == []


def test_hub_limit_is_inclusive_and_hubs_are_reported() -> None:
    rows = {f"d1:{i:03d}": {"emails": [PLACEHOLDER]} for i in range(21)}
    rows |= {f"d2:{i:03d}": {"btc": ["1Escrow"]} for i in range(20)}
    result = strong_links(_records(rows), hub_limit=20)
    assert result.hubs == [Hub("email", PLACEHOLDER, 21)]
    assert set(result.links.column("value").to_pylist()) == {"1Escrow"}
    assert result.links.num_rows == 19
    assert strong_links(_records(rows), hub_limit=21).links.num_rows == 20 + 19


def test_empty_records_give_no_links() -> None:
    result = strong_links(_records({}))
    assert result.links.num_rows == 0 and result.hubs == []


@pytest.fixture(scope="module")
def records(ingested: Ingested) -> pa.Table:
    return build_records(ingested[0])


def test_strong_links_on_the_scenario_never_join_two_persons(
    ingested: Ingested, takedowns: Scenario, records: pa.Table
) -> None:
    truth = load_truth(ingested[0], takedowns.out)
    links = _pairs(strong_links(records).links)
    assert len(links) > 100
    assert {kind for _, _, kind, _ in links} >= {"email", "btc"}
    assert all(left < right for left, right, _, _ in links)
    assert [(a, b, k, v) for a, b, k, v in links if truth[a] != truth[b]] == []


def test_a_placeholder_shared_by_many_persons_links_none_of_them(
    ingested: Ingested, takedowns: Scenario, records: pa.Table
) -> None:
    truth = load_truth(ingested[0], takedowns.out)
    # one account of each of 40 different persons gets the panel's placeholder address
    chosen: dict[str, str] = {}
    for account in sorted(truth):
        chosen.setdefault(truth[account], account)
    victims = set(list(chosen.values())[:40])
    assert len(victims) == 40
    emails = [
        sorted({*e, PLACEHOLDER}) if u in victims else e
        for u, e in zip(
            records.column("uid").to_pylist(), records.column("emails").to_pylist(), strict=True
        )
    ]
    poisoned = records.set_column(
        records.schema.get_field_index("emails"),
        "emails",
        pa.array(emails, type=pa.list_(pa.string())),
    )
    result = strong_links(poisoned, hub_limit=20)
    assert Hub("email", PLACEHOLDER, 40) in result.hubs
    links = _pairs(result.links)
    assert PLACEHOLDER not in {v for _, _, _, v in links}
    assert [(a, b) for a, b, _, _ in links if truth[a] != truth[b]] == []
    assert len(links) == strong_links(records).links.num_rows

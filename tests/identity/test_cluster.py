from __future__ import annotations

from datetime import date

from intercop.identity.cluster import Link, cluster_accounts


def _accounts(
    *specs: str, born: dict[str, date] | None = None
) -> list[tuple[str, str, date | None]]:
    born = born or {}
    return [(uid, uid.split(":")[0], born.get(uid)) for uid in specs]


def test_links_merge_strongest_first_and_chain() -> None:
    accounts = _accounts("a:1", "b:1", "c:1")
    links = [Link("a:1", "b:1", "model", 12.0), Link("b:1", "c:1", "strong", 0.0)]
    result = cluster_accounts(accounts, links)
    assert len(set(result.cluster.values())) == 1
    assert [d.link.kind for d in result.decisions] == ["strong", "model"]


def test_reviewer_different_always_wins() -> None:
    accounts = _accounts("a:1", "b:1", "c:1")
    links = [Link("a:1", "b:1", "strong", 0.0), Link("b:1", "c:1", "strong", 0.0)]
    result = cluster_accounts(accounts, links, cannot_link=[("a:1", "c:1")])
    assert result.cluster["a:1"] == result.cluster["b:1"]
    assert result.cluster["c:1"] != result.cluster["a:1"]
    assert result.review[0].reason == "a reviewer judged these accounts different"


def test_same_dataset_needs_strong_evidence() -> None:
    accounts = _accounts("a:1", "a:2", "a:3", "a:4")
    links = [Link("a:1", "a:2", "model", 12.0), Link("a:1", "a:3", "strong", 0.0),
             Link("a:3", "a:4", "model", 22.0)]  # fmt: skip
    result = cluster_accounts(accounts, links, strong_weight=15.0)
    assert result.cluster["a:1"] == result.cluster["a:3"] == result.cluster["a:4"]
    assert result.cluster["a:2"] != result.cluster["a:1"]
    assert "same dataset" in result.review[0].reason


def test_no_giant_cluster_through_a_hub() -> None:
    hub = "h:0"
    spokes = [f"d{i}:1" for i in range(200)]
    links = [Link(min(hub, s), max(hub, s), "model", 8.0) for s in spokes]
    result = cluster_accounts(_accounts(hub, *spokes), links, max_size=50)
    sizes = sorted((len(g) for g in result.groups().values()), reverse=True)
    assert sizes[0] == 50
    # the hub and 49 spokes fill one cluster; the other 151 spokes are refused and reviewed
    assert sum(1 for d in result.review if "more than 50" in d.reason) == 151


def test_conflicting_birth_dates_go_to_review() -> None:
    born = {"a:1": date(2005, 1, 1), "b:1": date(1990, 6, 1), "c:1": date(2005, 3, 1)}
    accounts = _accounts("a:1", "b:1", "c:1", born=born)
    links = [Link("a:1", "b:1", "model", 9.0), Link("a:1", "c:1", "model", 10.0)]
    result = cluster_accounts(accounts, links)
    assert result.cluster["a:1"] == result.cluster["c:1"] != result.cluster["b:1"]
    assert [d.reason for d in result.review] == ["conflicting birth dates"]
    # between two single accounts, the model's weight already counted the dates
    alone = cluster_accounts(accounts[:2], links[:1])
    assert alone.cluster["a:1"] == alone.cluster["b:1"]


def test_judgement_same_joins_even_within_a_dataset() -> None:
    result = cluster_accounts(_accounts("a:1", "a:2"), [Link("a:1", "a:2", "judgement", 0.0)])
    assert result.cluster["a:1"] == result.cluster["a:2"]


def test_cross_platform_link_joins_clusters_sharing_a_dataset_only_when_strong() -> None:
    # a:1 and a:2 are alts on platform a, already tied to b:1 and c:1 respectively
    accounts = _accounts("a:1", "a:2", "b:1", "c:1")
    base = [Link("a:1", "b:1", "strong", 0.0), Link("a:2", "c:1", "strong", 0.0)]
    weak = cluster_accounts(accounts, [*base, Link("b:1", "c:1", "model", 4.0)])
    assert weak.cluster["a:1"] != weak.cluster["a:2"]
    assert "weak model evidence" in weak.review[0].reason
    strong = cluster_accounts(accounts, [*base, Link("b:1", "c:1", "model", 15.0)])
    assert strong.cluster["a:1"] == strong.cluster["a:2"]

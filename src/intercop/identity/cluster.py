"""Guarded clustering: accounts -> persons over scored links, never through a hub.

Links are merged greedily, strongest first (reviewer "same" judgements, then strong
deterministic links, then model links by match weight), with a union-find whose
clusters remember what they hold. A link is *not* merged, and goes to review with the
reason, when merging would:

* join two accounts a reviewer judged "different" (cannot-link, always wins);
* join two accounts of the same dataset on model evidence alone (a person rarely has
  two accounts on one platform): only strong evidence joins them — a strong link, a
  reviewer, or a model link of at least ``strong_weight`` bits (odds over 1,000 to 1
  at the default) —, directly or, below ``overlap_weight``, through a cross-platform
  link;
* join clusters whose known birth dates differ by more than a year;
* grow a cluster past ``max_size`` accounts (a giant cluster is a hub, not a person).

Everything is a pure function of its inputs, so a run is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

SAME = "same"
DIFFERENT = "different"


@dataclass(frozen=True)
class Link:
    """A scored link between two accounts (``left < right``)."""

    left: str
    right: str
    kind: str  # judgement | strong | model
    weight: float  # match weight (log2 Bayes factor); judgements and strong links rank first
    evidence: str = ""


@dataclass(frozen=True)
class Decision:
    """What clustering did with one link."""

    link: Link
    merged: bool
    reason: str


@dataclass
class _Cluster:
    members: list[str]
    datasets: set[str]
    birth_dates: set[date]
    forbidden: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Clustering:
    """Accounts grouped into clusters (``cluster`` maps every account to a root account)."""

    cluster: dict[str, str]
    decisions: tuple[Decision, ...]

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for uid, root in self.cluster.items():
            out.setdefault(root, []).append(uid)
        return out

    @property
    def review(self) -> list[Decision]:
        return [d for d in self.decisions if not d.merged and d.reason != "already together"]


_RANK = {"judgement": 0, "strong": 1, "model": 2}


def cluster_accounts(
    accounts: Iterable[tuple[str, str, date | None]],
    links: Iterable[Link],
    *,
    cannot_link: Iterable[tuple[str, str]] = (),
    max_size: int = 50,
    overlap_weight: float = 6.0,
    strong_weight: float = 10.0,
) -> Clustering:
    """Cluster ``accounts`` (uid, dataset_id, birth_date) over ``links``."""
    parent: dict[str, str] = {}
    clusters: dict[str, _Cluster] = {}
    for uid, dataset_id, born in accounts:
        parent[uid] = uid
        clusters[uid] = _Cluster([uid], {dataset_id}, {born} if born else set())
    for a, b in cannot_link:
        if a in clusters and b in clusters:
            clusters[a].forbidden.add(b)
            clusters[b].forbidden.add(a)

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    decisions = []
    ordered = sorted(links, key=lambda lk: (_RANK[lk.kind], -lk.weight, lk.left, lk.right))
    for link in ordered:
        if link.left not in parent or link.right not in parent:
            decisions.append(Decision(link, False, "unknown account"))
            continue
        ra, rb = find(link.left), find(link.right)
        if ra == rb:
            decisions.append(Decision(link, False, "already together"))
            continue
        ca, cb = clusters[ra], clusters[rb]
        reason = _conflict(link, ca, cb, max_size, overlap_weight, strong_weight)
        if reason:
            decisions.append(Decision(link, False, reason))
            continue
        # union by size; the bigger cluster's root stays
        if len(ca.members) < len(cb.members):
            ra, rb, ca, cb = rb, ra, cb, ca
        parent[rb] = ra
        ca.members.extend(cb.members)
        ca.datasets |= cb.datasets
        ca.birth_dates |= cb.birth_dates
        ca.forbidden |= cb.forbidden
        del clusters[rb]
        decisions.append(Decision(link, True, "merged"))
    return Clustering({uid: find(uid) for uid in parent}, tuple(decisions))


def _conflict(
    link: Link, a: _Cluster, b: _Cluster, max_size: int, overlap_weight: float, strong_weight: float
) -> str:
    """Why ``link`` must not merge clusters ``a`` and ``b`` (empty when it may)."""
    if a.forbidden & set(b.members) or b.forbidden & set(a.members):
        return "a reviewer judged these accounts different"
    if link.kind == "judgement":
        return ""
    if len(a.members) + len(b.members) > max_size:
        return f"would make a cluster of more than {max_size} accounts (a hub, not a person)"
    same_dataset = link.left.split(":", 1)[0] == link.right.split(":", 1)[0]
    if link.kind == "model" and same_dataset and link.weight < strong_weight:
        return "two accounts of the same dataset on model evidence alone"
    if link.kind == "model" and a.datasets & b.datasets and link.weight < overlap_weight:
        return "would put two accounts of one dataset together on weak model evidence"
    # between two single accounts the model's weight already counts their birth dates;
    # the guard is for clusters, where a third account's date would be contradicted
    single = len(a.members) == 1 and len(b.members) == 1
    if (
        not single
        and a.birth_dates
        and b.birth_dates
        and not _compatible(a.birth_dates, b.birth_dates)
    ):
        return "conflicting birth dates"
    return ""


def _compatible(a: set[date], b: set[date]) -> bool:
    return any(abs((x - y).days) <= 366 for x in a for y in b)

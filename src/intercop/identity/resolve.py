"""The resolve stage: every account of every dataset -> persons, with the evidence.

Steps: account records (``records.py``) -> strong deterministic links (``strong.py``)
-> model links (Splink on the chosen engine, trained unsupervised and saved in the
workspace) -> reviewer judgements from the case store, which always override the
model -> guarded clustering (``cluster.py``) -> stable person ids (``person_ids.py``).

Outputs in ``derived/`` (each written to a temporary file and renamed):
``records.parquet``, ``links.parquet`` (every link considered: kind, weight,
evidence, whether it was merged and why not), ``persons.parquet`` (person_id, uid,
dataset_id, account_key), ``profiles.parquet`` and ``resolve.json`` (the summary).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from intercop.analytics import refresh_views
from intercop.errors import IntercopError, LinkageError
from intercop.identity.cluster import Clustering, Link, cluster_accounts
from intercop.identity.engines import engine as make_engine
from intercop.identity.judgements import effective_judgements
from intercop.identity.model import load_or_train
from intercop.identity.person_ids import assign_person_ids
from intercop.identity.record import split_uid
from intercop.identity.records import build_records
from intercop.identity.strong import strong_links
from intercop.profiles.build import write_profiles
from intercop.store.database import Store
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

PERSONS = pa.schema(
    [
        ("person_id", pa.string()),
        ("uid", pa.string()),
        ("dataset_id", pa.string()),
        ("account_key", pa.string()),
    ]
)
LINKS = pa.schema(
    [
        ("uid_l", pa.string()),
        ("uid_r", pa.string()),
        ("kind", pa.string()),
        ("match_weight", pa.float64()),
        ("evidence", pa.string()),
        ("merged", pa.bool_()),
        ("decision", pa.string()),
    ]
)


_NO_PAIRS = pa.table(
    {"uid_l": [], "uid_r": [], "match_weight": [], "evidence": []},
    schema=pa.schema([("uid_l", pa.string()), ("uid_r", pa.string()),
                      ("match_weight", pa.float64()), ("evidence", pa.string())]),
)  # fmt: skip


class NothingToResolveError(IntercopError):
    """The vault holds no accounts."""

    hint = "Ingest seized datasets first: `intercop ingest FILE --platform NAME`"


@dataclass(frozen=True)
class ResolveOptions:
    """How to resolve."""

    engine: str = "duckdb"
    retrain: bool = False
    threshold: float = 0.7  # match probability of a model link (guards do the rest)
    max_cluster: int = 50
    hub_limit: int = 20
    max_ip_share: int = 10  # a person's own accounts share a home IP; VPN exits, hundreds


@dataclass(frozen=True)
class ResolveResult:
    """What a run found (the ``--json`` document)."""

    persons: int
    accounts: int
    links: int  # links merged
    strong_links: int
    model_links: int
    judgements: int
    review: int
    hubs: list[dict[str, Any]] = field(default_factory=list)
    largest_person: int = 0
    engine: str = "duckdb"
    seconds: float = 0.0
    review_reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


#: the engine that trains the model (see ``resolve``)
TRAINING_ENGINE = "duckdb"


def model_path(workspace: Workspace) -> Path:
    return workspace.derived / "model" / "splink_model.json"


def resolve(
    workspace: Workspace,
    store: Store | None,
    options: ResolveOptions = ResolveOptions(),
    step: Callable[[str], None] | None = None,
) -> ResolveResult:
    """Resolve all accounts in the vault into persons and write ``derived/``."""
    started = time.monotonic()
    say = step or (lambda _msg: None)
    say("building account records")
    records = build_records(workspace, max_ip_share=options.max_ip_share)
    if records.num_rows == 0:
        raise NothingToResolveError("the vault holds no accounts")
    _write(records, workspace.derived / "records.parquet")

    say("strong links")
    strong = strong_links(records, hub_limit=options.hub_limit)
    say("linkage model")
    notes: list[str] = []
    # training always runs on embedded DuckDB: it needs a sample of pairs, not scale,
    # and Splink's many small EM jobs are slow and fragile on Spark (decision 4);
    # scoring every candidate pair is what scales, on the engine asked for
    with make_engine(TRAINING_ENGINE) as trainer:
        try:
            model = load_or_train(
                model_path(workspace), records, trainer.train, retrain=options.retrain
            )
        except LinkageError as exc:
            # data with no evidence of identity at all (every e-mail distinct, only
            # namesakes and shared IPs) gives EM nothing to learn from: resolve on strong
            # links and judgements alone, and say so
            log.warning("linkage model not trained: %s", exc.message)
            notes.append(f"model not trained, strong links and judgements only: {exc.message}")
            model = None
    say(f"scoring candidate pairs ({options.engine})")
    if model is None:
        pairs = _NO_PAIRS
    else:
        with make_engine(options.engine) as linker:
            pairs = linker.predict(records, model, threshold=options.threshold)

    judged = effective_judgements(store) if store is not None else {}
    links = _links(strong.links, pairs, judged)
    cannot = [pair for pair, decision in judged.items() if decision == "different"]
    say("clustering")
    births = records.column("birth_date").to_pylist()
    accounts = list(
        zip(records.column("uid").to_pylist(), records.column("dataset_id").to_pylist(),
            births, strict=True)
    )  # fmt: skip
    clustering = cluster_accounts(accounts, links, cannot_link=cannot, max_size=options.max_cluster)

    groups = list(clustering.groups().values())
    previous = _previous_ids(workspace.derived / "persons.parquet")
    ids = assign_person_ids(groups, previous)
    persons = _persons_table(ids)
    _write(persons, workspace.derived / "persons.parquet")
    _write(_links_table(clustering), workspace.derived / "links.parquet")
    say("profiles")
    write_profiles(workspace, persons)

    review = clustering.review
    reasons: dict[str, int] = {}
    for d in review:
        reasons[d.reason] = reasons.get(d.reason, 0) + 1
    result = ResolveResult(
        persons=len(groups),
        accounts=records.num_rows,
        links=sum(1 for d in clustering.decisions if d.merged),
        strong_links=strong.links.num_rows,
        model_links=pairs.num_rows,
        judgements=len(judged),
        review=len(review),
        hubs=[asdict(h) for h in strong.hubs],
        largest_person=max(len(g) for g in groups),
        engine=options.engine,
        seconds=round(time.monotonic() - started, 2),
        review_reasons=reasons,
        notes=notes,
    )
    (workspace.derived / "resolve.json").write_text(json.dumps(result.as_json(), indent=2))
    refresh_views(workspace)
    return result


def _links(strong: pa.Table, pairs: pa.Table, judged: dict[tuple[str, str], str]) -> list[Link]:
    links = [Link(a, b, "judgement", 0.0, '[{"judgement": "same"}]')
             for (a, b), decision in judged.items() if decision == "same"]  # fmt: skip
    for row in strong.to_pylist():
        evidence = json.dumps([{"comparison": row["kind"], "level": "same value (strong)"}])
        links.append(Link(row["uid_l"], row["uid_r"], "strong", 0.0, evidence))
    for row in pairs.select(["uid_l", "uid_r", "match_weight", "evidence"]).to_pylist():
        links.append(Link(row["uid_l"], row["uid_r"], "model", float(row["match_weight"]),
                          row["evidence"] or ""))  # fmt: skip
    return links


def _persons_table(ids: dict[str, str]) -> pa.Table:
    uids = sorted(ids, key=lambda u: (ids[u], u))
    parts = [split_uid(u) for u in uids]
    return pa.table(
        {
            "person_id": [ids[u] for u in uids],
            "uid": uids,
            "dataset_id": [p[0] for p in parts],
            "account_key": [p[1] for p in parts],
        },
        schema=PERSONS,
    )


def _links_table(clustering: Clustering) -> pa.Table:
    rows = [
        {
            "uid_l": d.link.left,
            "uid_r": d.link.right,
            "kind": d.link.kind,
            "match_weight": d.link.weight,
            "evidence": d.link.evidence,
            "merged": d.merged,
            "decision": d.reason,
        }
        for d in clustering.decisions
    ]
    return pa.Table.from_pylist(rows, schema=LINKS)


def _previous_ids(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    table = pq.read_table(path, columns=["uid", "person_id"])
    return dict(zip(table.column("uid").to_pylist(), table.column("person_id").to_pylist(),
                    strict=True))  # fmt: skip


def _write(table: pa.Table, path: Path) -> None:
    """Write a derived table atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)

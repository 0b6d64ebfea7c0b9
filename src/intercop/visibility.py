"""What an agency may see: its own datasets, the persons in them, and its cases' persons.

Invariants:

- A NETWORK-agency user sees everything (``Visibility.network``).
- Any other agency sees the datasets whose manifest names it as owner, the datasets
  shared with it (``shared_dataset_ids``), every person with at least one account in
  one of those datasets, every person it holds a case for, and the persons of the
  cases other agencies shared with it (``shared_case_person_ids``; see
  ``intercop.exchange.sharing`` for the distribution levels).
- An object that is not visible is reported exactly like one that does not exist
  (``NotVisibleError``, same message and hint), so a guessed id cannot tell the two
  apart.

A ``Visibility`` is cached per (agency, the derived files' and vault's stamp, the
case table's marker, the shared datasets and cases) so that a web request only pays a
stat of a few files and a few indexed queries. The case table's marker is its highest
id (read through the primary key on every call: a new or routed case is seen at once)
and its number of rows, which takes a scan of the table and is therefore counted again
at most every ``RECOUNT_SECONDS`` per process: a case erased without any other change
(retention of a case alone) can stay counted in a cached visibility for that long.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intercop.casework.agencies import NETWORK
from intercop.errors import IntercopError
from intercop.evidence.vault import Vault
from intercop.exchange.sharing import full_dataset_ids
from intercop.exchange.sharing import shared_case_person_ids as shared_case_persons
from intercop.identity.directory import Directory, open_directory
from intercop.store.models import Case
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

_HINTS = {
    "person": "List the persons you may see with `intercop persons` or the persons page",
    "dataset": "List the datasets you may see with `intercop datasets`",
    "case": "List the cases you may see with `intercop case list`",
}


class NotVisibleError(IntercopError):
    """No such object for this agency: it does not exist, or the agency may not see it.

    Both cases raise this same error with the same message, so that a caller cannot
    probe whether an id exists in another agency's data.
    """

    def __init__(self, kind: str, object_id: str) -> None:
        self.kind = kind
        self.object_id = object_id
        super().__init__(f"no {kind} {object_id!r}", hint=_HINTS.get(kind, ""))


@dataclass(frozen=True)
class Visibility:
    """The datasets and persons one agency may see.

    ``stamp`` identifies the data this was computed from; two visibilities with the
    same stamp see the same objects (it is what equality and hashing use, so comparing
    or caching by a visibility never walks its sets).
    """

    agency: str
    dataset_ids: frozenset[str] = field(compare=False)
    person_ids: frozenset[str] = field(compare=False)
    network: bool = False
    #: persons visible only through a case of the agency (a subset of ``person_ids``)
    case_person_ids: frozenset[str] = field(default=frozenset(), compare=False)
    stamp: tuple[Any, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "network": self.network,
            "datasets": sorted(self.dataset_ids),
            "persons": len(self.person_ids),
            "persons_through_cases": len(self.case_person_ids),
        }


def shared_dataset_ids(session: Session, agency: str) -> set[str]:
    """Datasets other agencies shared with ``agency`` at person level (partners or network).

    Datasets shared at level ``aggregate`` are not among them: they only count in the
    network's cohort tables (``intercop.exchange.knowledge``).
    """
    return full_dataset_ids(session, agency)


def shared_case_person_ids(session: Session, agency: str) -> set[str]:
    """Persons of the cases other agencies shared with ``agency`` (read-only: not its cases)."""
    return shared_case_persons(session, agency)


def can_see_dataset(visibility: Visibility, dataset_id: str) -> bool:
    """Whether the agency may see the dataset ``dataset_id``."""
    return visibility.network or dataset_id in visibility.dataset_ids


def can_see_person(visibility: Visibility, person_id: str) -> bool:
    """Whether the agency may see the person ``person_id`` (False for unknown ids too)."""
    return person_id in visibility.person_ids


def check_person(visibility: Visibility, person_id: str) -> None:
    """Raise ``NotVisibleError`` unless the person exists and the agency may see it."""
    if not can_see_person(visibility, person_id):
        raise NotVisibleError("person", person_id)


def check_dataset(visibility: Visibility, dataset_id: str) -> None:
    """Raise ``NotVisibleError`` unless the dataset exists and the agency may see it."""
    if dataset_id not in visibility.dataset_ids:
        raise NotVisibleError("dataset", dataset_id)


# --- computing and caching ---------------------------------------------------------------

_LOCK = threading.Lock()
_CACHE: dict[tuple[Any, ...], Visibility] = {}
_OWNERS: dict[str, tuple[int, dict[str, str]]] = {}
#: enough for every agency of the network plus a few stamps in flight
_CACHE_SIZE = 128
#: how long a count of the case table is reused (seconds); see the module docstring
RECOUNT_SECONDS = 2.0
#: database URL -> (monotonic time of the count, number of cases)
_COUNTS: dict[str, tuple[float, int]] = {}


def dataset_owners(workspace: Workspace) -> dict[str, str]:
    """``dataset_id -> owner agency`` from the manifests, cached by the vault's mtime."""
    key = str(workspace.root)
    try:
        mtime = workspace.vault.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    cached = _OWNERS.get(key)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    # a dataset is renamed into vault/ (and removed by retention), which bumps its mtime
    owners = {m.dataset_id: m.agency.upper() for m in Vault(workspace).manifests()}
    _OWNERS[key] = (mtime, owners)
    return owners


def _case_marker(session: Session) -> tuple[Any, ...]:
    """What changes whenever a case is opened or routed (routing opens a new case).

    ``max(id)`` is one step down the primary key; the count (which catches an erased
    case) scans the table, so it is reused for ``RECOUNT_SECONDS``.
    """
    top = session.scalar(select(func.max(Case.id)))
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    with _LOCK:
        counted = _COUNTS.get(key)
    if counted is None or now - counted[0] >= RECOUNT_SECONDS:
        counted = (now, int(session.scalar(select(func.count(Case.id))) or 0))
        with _LOCK:
            _COUNTS[key] = counted
    return (top, counted[1])


def visibility_for(workspace: Workspace, session: Session, agency: str) -> Visibility:
    """What ``agency`` may see now (cached until the derived files or the cases change)."""
    agency = agency.upper()
    directory = open_directory(workspace)
    shared = frozenset(shared_dataset_ids(session, agency))
    shared_cases = frozenset(shared_case_person_ids(session, agency))
    key = (str(workspace.root), agency, directory.stamp, _case_marker(session), shared,
           shared_cases)  # fmt: skip
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    visibility = _compute(workspace, session, agency, directory, shared, key, shared_cases)
    with _LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = visibility
    return visibility


def _compute(
    workspace: Workspace,
    session: Session,
    agency: str,
    directory: Directory,
    shared: frozenset[str],
    key: tuple[Any, ...],
    shared_cases: frozenset[str] = frozenset(),
) -> Visibility:
    owners = dataset_owners(workspace)
    if agency == NETWORK:
        return Visibility(agency, frozenset(owners), directory.all_person_ids(), True,
                          frozenset(), key)  # fmt: skip
    datasets = frozenset(d for d, owner in owners.items() if owner == agency) | (
        shared & owners.keys()
    )
    through_data = directory.persons_in_datasets(datasets)
    cased = {
        pid
        for pid in session.scalars(select(Case.person_id).where(Case.agency == agency))
        if directory.has(pid)
    } | {pid for pid in shared_cases if directory.has(pid)}
    only_cased = frozenset(cased - through_data)
    log.debug("agency %s sees %d datasets, %d persons (%d through cases)", agency,
              len(datasets), len(through_data) + len(only_cased), len(only_cased))  # fmt: skip
    return Visibility(agency, datasets, through_data | only_cased, False, only_cased, key)

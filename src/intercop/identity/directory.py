"""A fast, in-memory read model of the persons, for the web pages.

Built once per workspace from ``derived/persons.parquet``, ``records.parquet`` (the
account records: usernames, canonical e-mails, public IPs), ``links.parquet`` and
``profiles.parquet``; kept in memory and rebuilt when any of them (or the vault)
changes. Persons are numbered 0..N-1 and every per-person figure is a NumPy column,
so listing, filtering and counting for an agency is a few vectorised operations over
a boolean mask of the persons it may see. Search uses sorted key indexes (exact and
prefix match by bisection). The activity timeline is aggregated from the canonical
events on first use (``timeline``), counts only: attack targets are never read.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from intercop.identity.directory_index import (
    KeyIndex,
    Timeline,
    build_timeline,
    encode,
    group_rows,
    person_rows_of_links,
)
from intercop.identity.listing import Counts, Page, PersonEntry, SearchHit
from intercop.identity.normalise import (
    canonical_email,
    normalise_email,
    normalise_ip,
    normalise_username,
)
from intercop.workspace import Workspace

if TYPE_CHECKING:
    from intercop.visibility import Visibility

log = logging.getLogger(__name__)

__all__ = ["Counts", "Directory", "Page", "PersonEntry", "SearchHit", "open_directory"]

DERIVED_FILES = ("persons.parquet", "records.parquet", "links.parquet", "profiles.parquet")
ORDERS = ("risk", "person_id")
_RECORD_COLUMNS = ("uid", "dataset_id", "account_key", "platform", "username", "emails", "ips",
                   "btc", "country", "first_seen", "last_seen", "role")  # fmt: skip
_MASKS = 64  # visibility masks kept (one per agency and data stamp)


def directory_stamp(workspace: Workspace) -> tuple[int, ...]:
    """What the directory was built from: mtime and size of each input (0 when absent)."""
    out: list[int] = []
    for path in [*(workspace.derived / f for f in DERIVED_FILES), workspace.vault]:
        try:
            st = path.stat()
        except FileNotFoundError:
            out += [0, 0]
            continue
        out += [st.st_mtime_ns, st.st_size]
    return tuple(out)


class Directory:
    """The persons of one workspace, indexed for the web (read-only once built)."""

    def __init__(self, workspace: Workspace, stamp: tuple[int, ...]) -> None:
        self.workspace = workspace
        self.stamp = stamp
        started = time.perf_counter()
        derived = workspace.derived
        persons_path = derived / "persons.parquet"
        persons = (pq.read_table(persons_path, columns=["person_id", "uid", "dataset_id"])
                   if persons_path.exists() else _empty_persons())  # fmt: skip
        ids = pc.unique(persons.column("person_id")).sort()
        self.person_ids: list[str] = ids.to_pylist()
        self._index = {p: i for i, p in enumerate(self.person_ids)}
        self._all = frozenset(self.person_ids)
        n = len(self.person_ids)
        self._profiles(derived / "profiles.parquet", ids)
        self._records(derived / "records.parquet", persons, ids)
        # persons of each dataset, from persons.parquet (the resolver's own assignment)
        person_of_row = (pc.index_in(persons.column("person_id"), value_set=ids)
                         .fill_null(-1).to_numpy())  # fmt: skip
        self._by_dataset: dict[str, np.ndarray] = {}
        datasets = persons.column("dataset_id").to_numpy(zero_copy_only=False)
        for ds in np.unique(datasets) if len(datasets) else []:
            self._by_dataset[str(ds)] = np.unique(person_of_row[datasets == ds])
        self._links(derived / "links.parquet")
        self._masks: dict[tuple[Any, ...], np.ndarray] = {}
        self._timeline: Timeline | None = None
        self._lock = threading.Lock()
        self.build_seconds = time.perf_counter() - started
        log.info("person directory of %d persons built in %.2f s", n, self.build_seconds)

    # --- building ----------------------------------------------------------------------

    def _profiles(self, path: Any, ids: pa.Array) -> None:
        n = len(ids)
        self._risk = np.full(n, np.nan)
        self._age = np.full(n, -1, dtype=np.int32)
        self._minor = np.full(n, -1, dtype=np.int8)
        self._country_code = np.zeros(n, dtype=np.int32)
        self._band_code = np.zeros(n, dtype=np.int32)
        self._profile_row = np.full(n, -1, dtype=np.int64)
        self.countries: list[str] = [""]
        self.age_bands: list[str] = ["unknown"]
        self._evidence: pa.ChunkedArray | None = None
        self.profiles: pa.Table | None = None
        if not path.exists():
            return
        # the evidence (~2 KB of JSON a person, the bulk of the file) is read on first use
        names = [n for n in pq.read_schema(path).names if n != "evidence"]
        table = pq.read_table(path, columns=names)
        at = pc.index_in(table.column("person_id"), value_set=ids).fill_null(-1).to_numpy()
        rows = np.flatnonzero(at >= 0)
        at = at[rows].astype(np.int64)
        self._profile_row[at] = rows
        self._risk[at] = table.column("risk").to_numpy(zero_copy_only=False)[rows].astype(float)
        age = table.column("age").fill_null(-1).to_numpy()
        self._age[at] = age[rows]
        minor = table.column("minor_now").cast(pa.int8()).fill_null(-1).to_numpy()
        self._minor[at] = minor[rows]
        for column, codes, names in (("country", self._country_code, self.countries),
                                     ("age_band", self._band_code, self.age_bands)):  # fmt: skip
            local, labels = encode(table.column(column), names[0])
            remap = np.array([_code(names, v) for v in labels], dtype=np.int32)
            codes[at] = remap[local][rows]
        self.profiles = table.combine_chunks()

    def _records(self, path: Any, persons: pa.Table, ids: pa.Array) -> None:
        n = len(ids)
        if path.exists():
            records = pq.read_table(path, columns=list(_RECORD_COLUMNS))
        else:
            # an empty table of the same columns: a workspace before its first resolve
            records = pa.table({c: pa.array([], pa.string()) for c in _RECORD_COLUMNS})
        person_of_uid = dict(zip(persons.column("uid").to_pylist(),
                                 persons.column("person_id").to_pylist(), strict=True))  # fmt: skip
        uids: list[str] = records.column("uid").to_pylist()
        self.uids = uids
        self._acc_person = np.array([self._index.get(person_of_uid.get(u, ""), -1) for u in uids],
                                    dtype=np.int64)  # fmt: skip
        # one chunk per column: ``take`` over many chunks costs ~1 ms, over one ~20 us
        self.records = records.combine_chunks()
        self._platform: list[str | None] = records.column("platform").to_pylist()
        self._username: list[str | None] = records.column("username").to_pylist()
        self._uid_row = {u: i for i, u in enumerate(uids)}
        self._acc_rows, self._acc_start = group_rows(self._acc_person, n)
        if not uids:
            self._usernames = KeyIndex.empty()
            self._emails = self._ips = KeyIndex.empty()
            return
        folded = [normalise_username(u) for u in self._username]
        self._usernames = KeyIndex.build(folded, np.arange(len(uids)))
        self._emails = KeyIndex.from_lists(records.column("emails"))
        self._ips = KeyIndex.from_lists(records.column("ips"))

    def _links(self, path: Any) -> None:
        if not path.exists():
            self.links = pa.table({"uid_l": pa.array([], pa.string())})
            self._link_rows, self._link_start = group_rows(np.array([], np.int64), len(self))
            return
        links = pq.read_table(path)
        # many links share one evidence text: a dictionary keeps each text once
        self.links = links.combine_chunks().set_column(
            links.schema.get_field_index("evidence"), "evidence",
            pc.dictionary_encode(links.column("evidence")),
        )  # fmt: skip
        self._link_rows, self._link_start = person_rows_of_links(
            links.column("uid_l").to_pylist(), links.column("uid_r").to_pylist(),
            self._uid_row, self._acc_person, len(self),
        )  # fmt: skip

    # --- lookups -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.person_ids)

    def has(self, person_id: str) -> bool:
        return person_id in self._index

    def all_person_ids(self) -> frozenset[str]:
        return self._all

    def index_of(self, person_id: str) -> int | None:
        return self._index.get(person_id)

    def persons_in_datasets(self, dataset_ids: frozenset[str] | set[str]) -> frozenset[str]:
        """Every person with at least one account in one of ``dataset_ids``."""
        found: set[str] = set()
        for ds in dataset_ids:
            rows = self._by_dataset.get(ds)
            if rows is not None:
                found.update(self.person_ids[i] for i in rows.tolist())
        return frozenset(found)

    def person_of_account(self, uid: str) -> str | None:
        """The person id of the account ``uid``, or None when it is unknown or unresolved."""
        row = self._uid_row.get(uid)
        person = int(self._acc_person[row]) if row is not None else -1
        return self.person_ids[person] if person >= 0 else None

    def person_of_rows(self, rows: np.ndarray) -> np.ndarray:
        """The person index of each ``records`` row (-1 for an unresolved account)."""
        found: np.ndarray = self._acc_person[rows]
        return found

    def account_rows(self, index: int) -> list[int]:
        """Rows of ``records`` holding the accounts of person ``index``."""
        rows: list[int] = self._acc_rows[
            self._acc_start[index] : self._acc_start[index + 1]
        ].tolist()
        return rows

    def link_rows(self, index: int) -> list[int]:
        """Rows of ``links`` touching an account of person ``index``."""
        lo, hi = self._link_start[index], self._link_start[index + 1]
        rows: list[int] = self._link_rows[lo:hi].tolist()
        return rows

    def profile(self, index: int) -> dict[str, Any] | None:
        """The profile row of person ``index`` (without evidence), or None."""
        row = int(self._profile_row[index])
        if row < 0 or self.profiles is None:
            return None
        found: dict[str, Any] = self.profiles.slice(row, 1).to_pylist()[0]
        return found

    def profile_evidence(self, index: int) -> str | None:
        """The JSON evidence of person ``index``'s profile figures, or None."""
        row = int(self._profile_row[index])
        if row < 0:
            return None
        with self._lock:
            if self._evidence is None:
                if directory_stamp(self.workspace) != self.stamp:
                    return None  # profiles.parquet changed: the next request rebuilds
                path = self.workspace.derived / "profiles.parquet"
                self._evidence = pq.read_table(path, columns=["evidence"]).column(0)
        value: str | None = self._evidence[row].as_py()
        return value

    def warm(self) -> None:
        """Load what the first dossier would otherwise wait for (timeline, evidence)."""
        if len(self):
            self.timeline(0)
            self.profile_evidence(0)

    def timeline(self, index: int) -> list[tuple[str, str, str, int]]:
        """``(month, platform, kind, events)`` of person ``index``, oldest first."""
        with self._lock:
            if self._timeline is None:
                self._timeline = build_timeline(self.workspace, self)
        return self._timeline.of(index)

    def entry(self, index: int) -> PersonEntry:
        """The summary of person ``index``."""
        rows = self.account_rows(index)
        platforms = [self._platform[r] for r in rows]
        names = [self._username[r] for r in rows]
        risk = float(self._risk[index])
        age, minor = int(self._age[index]), int(self._minor[index])
        country = self.countries[int(self._country_code[index])]
        return PersonEntry(
            self.person_ids[index], len(rows), tuple(sorted({p for p in platforms if p})),
            tuple(dict.fromkeys(n for n in names if n)), country or None,
            age if age >= 0 else None, self.age_bands[int(self._band_code[index])],
            bool(minor) if minor >= 0 else None, None if np.isnan(risk) else risk,
        )  # fmt: skip

    # --- the API of the pages ----------------------------------------------------------

    def get(self, visibility: Visibility, person_id: str) -> PersonEntry:
        """The summary of a visible person; NotVisibleError for unknown and invisible alike."""
        from intercop.visibility import NotVisibleError, can_see_person

        index = self._index.get(person_id)
        if index is None or not can_see_person(visibility, person_id):
            raise NotVisibleError("person", person_id)
        return self.entry(index)

    def mask(self, visibility: Visibility) -> np.ndarray:
        """Boolean mask of the persons ``visibility`` may see (cached per its stamp)."""
        # the sets themselves are part of the key (frozensets cache their hash), so a
        # hand-made visibility without a stamp never picks up another one's mask
        key = (visibility.agency, visibility.network, visibility.stamp,
               visibility.dataset_ids, visibility.case_person_ids)  # fmt: skip
        found = self._masks.get(key)
        if found is not None:
            return found
        mask = np.zeros(len(self), dtype=bool)
        if visibility.network:
            mask[:] = True
        else:
            for ds in visibility.dataset_ids:
                rows = self._by_dataset.get(ds)
                if rows is not None:
                    mask[rows] = True
            for pid in visibility.case_person_ids:
                index = self._index.get(pid)
                if index is not None:
                    mask[index] = True
        mask.flags.writeable = False
        if len(self._masks) >= _MASKS:
            self._masks.clear()
        self._masks[key] = mask
        return mask

    def page(
        self,
        visibility: Visibility,
        *,
        country: str | None = None,
        age_band: str | None = None,
        minor: bool | None = None,
        order: str = "risk",
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """The visible persons matching the filters, highest risk (or by id) first."""
        if order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
        offset, limit = max(0, offset), max(0, min(limit, 1000))
        mask = self.mask(visibility)
        if country is not None:
            mask = mask & (self._country_code == _find(self.countries, country.upper()))
        if age_band is not None:
            mask = mask & (self._band_code == _find(self.age_bands, age_band))
        if minor is not None:
            mask = mask & (self._minor == int(minor))
        ordering = self._order_by_risk() if order == "risk" else None
        chosen = np.flatnonzero(mask) if ordering is None else ordering[mask[ordering]]
        items = tuple(self.entry(int(i)) for i in chosen[offset : offset + limit])
        return Page(len(chosen), offset, limit, items)

    def search(self, visibility: Visibility, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Visible persons by person id, IP, e-mail (normalised) or username (exact, prefix)."""
        text = query.strip()
        if not text:
            return []
        mask = self.mask(visibility)
        found: dict[int, tuple[str, list[str]]] = {}

        def add(rows: list[int], matched: str) -> None:
            for row in rows:
                person = int(self._acc_person[row])
                if person < 0 or not mask[person]:
                    continue
                if person not in found:
                    if len(found) >= limit:
                        return
                    found[person] = (matched, [])
                found[person][1].append(self.uids[row])

        index = self._index.get(text.upper())
        if index is not None and mask[index]:
            found[index] = ("person_id", [])
        ip = normalise_ip(text)
        if ip is not None:
            add(self._ips.exact(ip.value), "ip")
        elif "@" in text:
            emails = {e for e in (canonical_email(text), normalise_email(text)) if e}
            for e in emails:
                add(self._emails.exact(e), "email")
        else:
            folded = normalise_username(text) or ""
            add(self._usernames.exact(folded), "username")
            add(self._usernames.prefix(folded, limit * 20), "username_prefix")
        return [SearchHit(self.entry(i), m, tuple(dict.fromkeys(u))) for i, (m, u) in found.items()]

    def counts(self, visibility: Visibility) -> Counts:
        """How many visible persons per country and age band (for the dashboard)."""
        mask = self.mask(visibility)
        by_country = np.bincount(self._country_code[mask], minlength=len(self.countries))
        by_band = np.bincount(self._band_code[mask], minlength=len(self.age_bands))
        return Counts(
            int(mask.sum()), int((self._minor[mask] == 1).sum()),
            {(self.countries[i] or "unknown"): int(c) for i, c in enumerate(by_country) if c},
            {self.age_bands[i]: int(c) for i, c in enumerate(by_band) if c},
        )  # fmt: skip

    def _order_by_risk(self) -> np.ndarray:
        found: np.ndarray | None = getattr(self, "_risk_order", None)
        if found is None:
            # highest risk first, unknown risk last, ties by person id (the index order)
            key = np.where(np.isnan(self._risk), -np.inf, self._risk)
            found = np.lexsort((np.arange(len(self)), -key))
            self._risk_order = found
        return found


def _code(names: list[str], value: str) -> int:
    if value not in names:
        names.append(value)
    return names.index(value)


def _find(names: list[str], value: str) -> int:
    return names.index(value) if value in names else -1


def _empty_persons() -> pa.Table:
    return pa.table({c: pa.array([], pa.string()) for c in ("person_id", "uid", "dataset_id")})


# --- one directory per workspace, rebuilt when its inputs change --------------------------

_DIRECTORIES: dict[str, Directory] = {}
_BUILD_LOCK = threading.Lock()


def open_directory(workspace: Workspace) -> Directory:
    """The directory of ``workspace``, built on first use and whenever its inputs changed."""
    key = os.fspath(workspace.root)
    stamp = directory_stamp(workspace)
    found = _DIRECTORIES.get(key)
    if found is not None and found.stamp == stamp:
        return found
    with _BUILD_LOCK:  # one build at a time; the others wait and reuse it
        found = _DIRECTORIES.get(key)
        if found is not None and found.stamp == stamp:
            return found
        built = Directory(workspace, stamp)
        _DIRECTORIES[key] = built
        return built

"""Ground-truth files: which person is behind every account, and who each person is."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from types import TracebackType

from intercop.synth.accounts import Account, Histories, People

ACCOUNT_COLUMNS = (
    "file", "platform", "table", "account_key", "person_id", "username", "email",
    "registered_at", "role",
)  # fmt: skip
PERSON_COLUMNS = (
    "person_id", "country", "birth_date", "given_name", "family_name", "email", "handle",
    "phone", "platforms", "exposed_at", "warned_at", "reappeared",
)  # fmt: skip


class AccountTruth:
    """Streams ``truth/accounts.csv`` while the platforms are written."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(ACCOUNT_COLUMNS)
        self.rows = 0

    def add(self, file: str, platform: str, table: str, key: str, account: Account) -> None:
        """Record that ``table`` row ``key`` of ``file`` belongs to the account's person."""
        self._csv.writerow(
            (file, platform, table, key, account.person.person_id, account.username,
             account.email, f"{account.registered_at:%Y-%m-%d %H:%M:%S}", account.role)
        )  # fmt: skip
        self.rows += 1

    def __enter__(self) -> AccountTruth:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._file.close()


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def write_persons(
    path: Path, population: People, timeline: Histories, operators: dict[int, list[str]]
) -> int:
    """Write ``truth/persons.csv`` for every person with an account; return the count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(PERSON_COLUMNS)
        for index in range(population.size):
            history = timeline.history(index)
            platforms = [m.platform for m in history.memberships]
            platforms += [p for p in operators.get(index, []) if p not in platforms]
            if not platforms:
                continue
            p = population.person(index)
            out.writerow(
                (p.person_id, p.country, p.birth_date.isoformat(), p.given_name,
                 p.family_name, p.email, p.handle, p.phone, ";".join(platforms),
                 _iso(history.exposed_at), _iso(history.warned_at),
                 "1" if history.reappeared else "0")
            )  # fmt: skip
            count += 1
    return count

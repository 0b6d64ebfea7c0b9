"""Stable person ids: re-resolving never renumbers a person who is still there.

Each new cluster takes the id most of its accounts had before; when a person splits,
the larger part keeps the id; clusters with no previous id get the next free number.
Ids look like ``PER-000042``.
"""

from __future__ import annotations

from collections import Counter

PREFIX = "PER-"


def format_id(number: int) -> str:
    return f"{PREFIX}{number:06d}"


def _number(person_id: str) -> int:
    digits = person_id.removeprefix(PREFIX)
    return int(digits) if digits.isdigit() else 0


def assign_person_ids(groups: list[list[str]], previous: dict[str, str]) -> dict[str, str]:
    """``uid -> person_id`` for the accounts of ``groups``, keeping ``previous`` ids."""
    next_number = max((_number(p) for p in previous.values()), default=0) + 1
    taken: set[str] = set()
    assigned: dict[str, str] = {}
    # larger groups choose first, then a deterministic order
    order = sorted(range(len(groups)), key=lambda i: (-len(groups[i]), min(groups[i])))
    pending = []
    for i in order:
        votes = Counter(previous[u] for u in groups[i] if u in previous)
        choice = next(
            (pid for pid, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
             if pid not in taken),
            None,
        )  # fmt: skip
        if choice is None:
            pending.append(i)
            continue
        taken.add(choice)
        for uid in groups[i]:
            assigned[uid] = choice
    for i in sorted(pending, key=lambda i: min(groups[i])):
        person_id = format_id(next_number)
        next_number += 1
        for uid in groups[i]:
            assigned[uid] = person_id
    return assigned

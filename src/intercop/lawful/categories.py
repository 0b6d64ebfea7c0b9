"""Art. 25 LED log categories of audit actions, and the recipients of a disclosure.

The hash chain of the audit log is unchanged: an entry's category is not stored but
derived from its action by the table below (the longest matching prefix wins), so
entries written before this table existed get a category too. An action no prefix
matches is ``system`` (logins, verifying the log itself).
"""

from __future__ import annotations

import json
from typing import Any

from intercop.store.models import AuditEntry

CATEGORIES = (
    "collection",  # data entering the platform: ingest, imports, received bundles
    "alteration",  # a change of personal data or of a decision about a person
    "consultation",  # a read of personal data
    "disclosure",  # data leaving the agency: exports, bundles, messages sent
    "combination",  # linking data of several sources: resolve, PPRL matching, judgements
    "erasure",  # retention
    "system",  # no personal data: logins, tokens, verifying the log
)

#: action prefix -> category (a prefix ending in "." covers every action of that group)
PREFIXES: dict[str, str] = {
    "dataset.ingest": "collection",
    "outcome.import": "collection",
    "outcome.add": "collection",
    "outcome.record": "collection",
    "contact.import": "collection",
    "signal.submit": "collection",
    "exchange.receive": "collection",
    "exchange.import": "collection",
    "outcome.derive": "combination",
    "identity.resolve": "combination",
    "judgement.": "combination",
    "judge": "combination",
    "pprl.match": "combination",
    "pprl.resolve": "combination",
    "person.": "consultation",
    "case.read": "consultation",
    "campaign.preview": "consultation",
    "bounces.read": "consultation",
    "evaluate.": "consultation",
    "audit.read": "consultation",
    "audit.html": "consultation",
    "exchange.disclose": "disclosure",
    "exchange.export": "disclosure",
    "exchange.send": "disclosure",
    "campaign.send": "disclosure",
    "delivery.": "disclosure",
    "pprl.encode": "disclosure",
    "audit.export": "disclosure",
    "share.set": "disclosure",  # a distribution level naming recipients (issue 7 sharing)
    "retention.": "erasure",
    "case.": "alteration",
    "campaign.": "alteration",
    "pilot.": "alteration",
    "triage.": "alteration",
    "signal.review": "alteration",
    "exchange.authorise": "alteration",
    "agency.": "system",
    "user.": "system",
    "token.": "system",
    "auth.": "system",
    "audit.verify": "system",
}

#: detail keys naming who received a disclosure
RECIPIENT_KEYS = ("recipient", "recipients", "to", "to_agency", "partner", "channel", "out")


def category_of(action: str) -> str:
    """The art. 25 category of ``action`` (longest matching prefix; else ``system``)."""
    best = ""
    for prefix in PREFIXES:
        if action.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return PREFIXES[best] if best else "system"


def actions_of(category: str) -> list[str]:
    """The action prefixes mapped to ``category``."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    return sorted(p for p, c in PREFIXES.items() if c == category)


def recipients_of(entry: AuditEntry) -> list[str]:
    """Who received the data of a disclosure entry, as recorded in its detail."""
    if category_of(entry.action) != "disclosure":
        return []
    try:
        detail: Any = json.loads(entry.detail or "{}")
    except ValueError:
        return []
    found: list[str] = []
    if isinstance(detail, dict):
        for key in RECIPIENT_KEYS:
            value = detail.get(key)
            values = value if isinstance(value, list) else [value]
            found += [f"{key}:{v}" for v in values if v not in (None, "")]
    return found

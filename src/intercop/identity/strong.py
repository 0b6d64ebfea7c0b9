"""Strong, deterministic links: accounts that share a canonical e-mail, bitcoin address or phone.

A value held by more than ``hub_limit`` accounts is a *hub* (a placeholder e-mail, a
market's escrow address, a shop's phone number) and links nobody: it is reported
instead. For a value shared by ``k <= hub_limit`` accounts the links form a **star**
centred on the smallest uid: ``k - 1`` edges, which give the same connected
components as all ``k (k - 1) / 2`` pairs while staying linear in the number of
accounts; every edge still names the value that both of its accounts hold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)

#: link kind -> list column of ``ACCOUNT_RECORD`` holding its values
STRONG_COLUMNS = {"email": "emails", "btc": "btc", "phone": "phones"}

STRONG_LINK = pa.schema(
    [
        ("uid_l", pa.string()),
        ("uid_r", pa.string()),
        ("kind", pa.string()),  # email | btc | phone
        ("value", pa.string()),
    ]
)


@dataclass(frozen=True)
class Hub:
    """A value held by too many accounts to be evidence that they are one person."""

    kind: str
    value: str
    accounts: int


@dataclass(frozen=True)
class StrongLinks:
    """The strong links between accounts, and the hub values that were not linked."""

    links: pa.Table  # schema STRONG_LINK, uid_l < uid_r
    hubs: list[Hub]


def strong_links(records: pa.Table, *, hub_limit: int = 20) -> StrongLinks:
    """Star-shaped links between the accounts of ``records`` that share a strong value.

    Args:
        records: account records (``ACCOUNT_RECORD``; only ``uid`` and the list
            columns ``emails``, ``btc`` and ``phones`` are read).
        hub_limit: a value held by more accounts than this is a hub, reported and not
            linked.

    Returns:
        The links (``uid_l < uid_r``, sorted) and the hubs, largest first.
    """
    columns = ["uid", *STRONG_COLUMNS.values()]
    con = duckdb.connect()
    try:
        con.register("records", records.select(columns))
        unnest = " UNION ALL ".join(
            f"SELECT uid, '{kind}' AS kind, unnest({col}) AS value FROM records"
            for kind, col in STRONG_COLUMNS.items()
        )
        con.execute(
            "CREATE TEMP TABLE held AS SELECT DISTINCT uid, kind, value "
            f"FROM ({unnest}) WHERE value IS NOT NULL AND value <> ''"
        )
        con.execute(
            "CREATE TEMP TABLE shared AS SELECT kind, value, count(*) AS accounts, "
            "min(uid) AS centre FROM held GROUP BY kind, value HAVING count(*) > 1"
        )
        links = con.sql(
            "SELECT s.centre AS uid_l, h.uid AS uid_r, s.kind, s.value FROM shared s "
            "JOIN held h USING (kind, value) WHERE s.accounts <= ? AND h.uid <> s.centre "
            "ORDER BY uid_l, uid_r, kind, value",
            params=[hub_limit],
        ).to_arrow_table()
        hub_rows = con.execute(
            "SELECT kind, value, accounts FROM shared WHERE accounts > ? "
            "ORDER BY accounts DESC, kind, value",
            [hub_limit],
        ).fetchall()
    finally:
        con.close()
    hubs = [Hub(str(kind), str(value), int(n)) for kind, value, n in hub_rows]
    # values are personal data: the log names only how many and how big
    for hub in hubs[:10]:
        log.info("a %s held by %d accounts is a hub: not linked", hub.kind, hub.accounts)
    log.info("%d strong links, %d hubs", links.num_rows, len(hubs))
    return StrongLinks(links.cast(STRONG_LINK), hubs)

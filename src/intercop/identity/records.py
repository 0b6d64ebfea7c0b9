"""Account records: one row per account of every dataset, with its comparison keys.

Built in DuckDB over the canonical Parquet files of the vault. Python only sees
*distinct* values (usernames, e-mails, IPs, phones, names), normalised once each and
joined back as lookup tables, so the cost grows with the number of distinct values,
not of rows, and memory stays bounded.

Invariants: exactly the schema ``record.ACCOUNT_RECORD``; one row per
``(dataset_id, account_key)``; list columns are never NULL (``[]`` when empty) and
sorted; private and reserved IPs never appear; ``rare_ips`` holds only the IPs seen
on at most ``max_ip_share`` accounts across all datasets (VPN exits and carrier NAT
are shared by many and are no evidence of identity); ``country`` is the majority
country of the account's public IPs weighted by sightings, rare IPs counting first.
``email`` is the account's own e-mail, else its most seen login e-mail, else its
PayPal e-mail; ``emails`` holds them all. A 1970-01-01 birth date is an epoch-zero
placeholder and is dropped.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from intercop.errors import VaultError
from intercop.evidence.geography import UNKNOWN, countries_of
from intercop.evidence.manifest import Manifest
from intercop.evidence.vault import Vault
from intercop.identity.normalise import (
    canonical_email,
    fold_username,
    normalise_ip,
    normalise_name,
    normalise_phone_e164,
)
from intercop.identity.record import ACCOUNT_RECORD
from intercop.workspace import Workspace

log = logging.getLogger(__name__)

RECORDS = "records.parquet"
#: messenger identifier kinds kept as ``handles`` ("kind:value")
HANDLE_KINDS = ("discord", "telegram", "skype", "jabber")
#: a birth date of 1 January 1970 is an epoch-zero placeholder, not a birthday
EPOCH_ZERO = date(1970, 1, 1)


def _username_parts(raw: Any) -> tuple[str | None, str | None, str | None, str | None]:
    if raw is None:
        return None, None, None, None
    held = " ".join(str(raw).split()) or None
    parts = fold_username(str(raw))
    if parts is None:
        return held, None, None, None
    return held, parts.norm or None, parts.stem or None, parts.digits or None


def _ip_parts(raw: Any) -> tuple[str | None, bool]:
    ip = normalise_ip(raw)
    return (ip.value, not ip.private) if ip is not None else (None, False)


def _lookup(
    con: duckdb.DuckDBPyConnection,
    name: str,
    source_sql: str,
    columns: Sequence[tuple[str, pa.DataType]],
    fn: Callable[..., tuple[Any, ...]],
) -> int:
    """Create table ``name`` of each distinct row of ``source_sql`` and ``fn`` of it."""
    distinct = con.sql(f"SELECT DISTINCT * FROM ({source_sql})").to_arrow_table()
    keys = [distinct.column(i).to_pylist() for i in range(distinct.num_columns)]
    results = [fn(*row) for row in zip(*keys, strict=True)] if keys else []
    arrays = {distinct.column_names[i]: distinct.column(i) for i in range(distinct.num_columns)}
    for i, (col, dtype) in enumerate(columns):
        arrays[col] = pa.array([r[i] for r in results], type=dtype)
    con.register(f"{name}_arrow", pa.table(arrays))
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")
    log.debug("lookup %s: %d distinct values", name, distinct.num_rows)
    return int(distinct.num_rows)


def _parquet_list(manifests: list[Manifest], vault: Vault, table: str) -> str | None:
    paths = [vault.path(m.dataset_id) / "canonical" / f"{table}.parquet" for m in manifests]
    found = [str(p) for p in paths if p.is_file()]
    if not found:
        return None
    quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in found)
    return f"read_parquet([{quoted}], union_by_name = true)"


def _views(con: duckdb.DuckDBPyConnection, workspace: Workspace) -> bool:
    """Create views ``datasets``, ``acc``, ``ids``, ``ev``; False when there are no accounts."""
    vault = Vault(workspace)
    manifests = vault.manifests()
    con.register(
        "datasets_arrow",
        pa.table(
            {
                "dataset_id": [m.dataset_id for m in manifests],
                "platform": [m.platform for m in manifests],
                "kind": [m.kind for m in manifests],
                "seized_on": pa.array([m.seized_on for m in manifests], type=pa.date32()),
            },
            schema=pa.schema(
                [
                    ("dataset_id", pa.string()),
                    ("platform", pa.string()),
                    ("kind", pa.string()),
                    ("seized_on", pa.date32()),
                ]
            ),
        ),
    )
    con.execute("CREATE TEMP TABLE datasets AS SELECT * FROM datasets_arrow")
    accounts = _parquet_list(manifests, vault, "accounts")
    if accounts is None:
        return False
    # one row per account even if a source table listed a key twice
    con.execute(
        f"CREATE TEMP TABLE acc AS SELECT * FROM {accounts} WHERE account_key IS NOT NULL "
        "QUALIFY row_number() OVER (PARTITION BY dataset_id, account_key "
        "ORDER BY source_table, registered_at) = 1"
    )
    identifiers = _parquet_list(manifests, vault, "identifiers")
    con.execute(
        f"CREATE TEMP VIEW ids AS SELECT * FROM {identifiers} WHERE account_key IS NOT NULL"
        if identifiers
        else "CREATE TEMP VIEW ids AS SELECT NULL::VARCHAR AS dataset_id, "
        "NULL::VARCHAR AS account_key, NULL::VARCHAR AS kind, NULL::VARCHAR AS value, "
        "NULL::VARCHAR AS raw_value, NULL::BIGINT AS count WHERE false"
    )
    events = _parquet_list(manifests, vault, "events")
    con.execute(
        f'CREATE TEMP VIEW ev AS SELECT dataset_id, account_key, "at" FROM {events} '
        "WHERE account_key IS NOT NULL"
        if events
        else "CREATE TEMP VIEW ev AS SELECT NULL::VARCHAR AS dataset_id, "
        'NULL::VARCHAR AS account_key, NULL::TIMESTAMPTZ AS "at" WHERE false'
    )
    return True


def _build_ips(con: duckdb.DuckDBPyConnection, max_ip_share: int) -> None:
    """Tables ``ip_acc`` (account, public ip, country, sightings) and ``acc_ips``."""
    n = _lookup(
        con,
        "l_ip",
        "SELECT value AS raw FROM ids WHERE kind = 'ip' AND value IS NOT NULL",
        [("ip", pa.string()), ("public", pa.bool_())],
        _ip_parts,
    )
    public = [r[0] for r in con.execute("SELECT DISTINCT ip FROM l_ip WHERE public").fetchall()]
    countries = countries_of(sorted(public))
    con.register(
        "ip_country_arrow",
        pa.table({"ip": list(countries), "country": list(countries.values())}),
    )
    con.execute("CREATE TEMP TABLE ip_country AS SELECT * FROM ip_country_arrow")
    log.debug("%d distinct IPs, %d public", n, len(public))
    con.execute(
        "CREATE TEMP TABLE ip_acc AS SELECT i.dataset_id, i.account_key, l.ip, "
        "c.country, sum(coalesce(i.count, 1))::BIGINT AS sightings "
        "FROM ids i JOIN l_ip l ON l.raw = i.value JOIN ip_country c ON c.ip = l.ip "
        "WHERE i.kind = 'ip' AND l.public GROUP BY ALL"
    )
    con.execute(
        "CREATE TEMP TABLE ip_share AS SELECT ip, count(*) AS accounts FROM ip_acc GROUP BY ip"
    )
    con.execute(
        "CREATE TEMP TABLE acc_ips AS SELECT a.dataset_id, a.account_key, "
        "list_sort(list(a.ip)) AS ips, "
        "list_sort(list(a.ip) FILTER (WHERE s.accounts <= ?)) AS rare_ips "
        "FROM ip_acc a JOIN ip_share s USING (ip) GROUP BY ALL",
        [max_ip_share],
    )
    # weighted by sightings of the rare IPs first: a VPN exit's country is not its
    # users'; all public IPs only break ties or stand in when no rare IP has a country;
    # last ties go to the alphabetically first country (deterministic)
    con.execute(
        "CREATE TEMP TABLE acc_country AS SELECT dataset_id, account_key, "
        "arg_min(country, (-w_rare, -w, country)) AS country FROM "
        "(SELECT dataset_id, account_key, country, sum(sightings) AS w, "
        "coalesce(sum(sightings) FILTER (WHERE s.accounts <= ?), 0) AS w_rare "
        f"FROM ip_acc JOIN ip_share s USING (ip) WHERE country <> '{UNKNOWN}' GROUP BY ALL) "
        "GROUP BY ALL",
        [max_ip_share],
    )


def _build_emails(con: duckdb.DuckDBPyConnection, _max_ip_share: int) -> None:
    """Table ``acc_emails``: the main canonical e-mail and every e-mail of an account."""
    _lookup(
        con,
        "l_email",
        "SELECT email AS raw FROM acc WHERE email IS NOT NULL UNION ALL "
        "SELECT value FROM ids WHERE kind IN ('email', 'paypal_email') AND value IS NOT NULL",
        [("email", pa.string())],
        lambda raw: (canonical_email(raw),),
    )
    # the account's own e-mail first, then login e-mails, then PayPal, most seen first
    con.execute(
        "CREATE TEMP TABLE acc_emails AS SELECT dataset_id, account_key, "
        "arg_min(email, (prio, -n, email)) AS email, list_sort(list(email)) AS emails FROM ("
        "SELECT dataset_id, account_key, l.email, min(prio) AS prio, sum(n) AS n FROM ("
        "  SELECT dataset_id, account_key, email AS raw, 0 AS prio, 1::BIGINT AS n FROM acc "
        "  UNION ALL SELECT dataset_id, account_key, value, 1, coalesce(count, 1) FROM ids "
        "    WHERE kind = 'email' "
        "  UNION ALL SELECT dataset_id, account_key, value, 2, coalesce(count, 1) FROM ids "
        "    WHERE kind = 'paypal_email'"
        ") s JOIN l_email l ON l.raw = s.raw WHERE l.email IS NOT NULL GROUP BY ALL"
        ") GROUP BY ALL"
    )


def _build_phones(con: duckdb.DuckDBPyConnection, _max_ip_share: int) -> None:
    """Table ``acc_phones``: E.164 numbers, national ones read in the account's country."""
    con.execute(
        "CREATE TEMP TABLE phone_raw AS SELECT p.dataset_id, p.account_key, p.raw, "
        "coalesce(upper(a.country_claimed), c.country) AS hint FROM ("
        "  SELECT dataset_id, account_key, phone AS raw FROM acc WHERE phone IS NOT NULL "
        "  UNION ALL SELECT dataset_id, account_key, coalesce(raw_value, value) FROM ids "
        "    WHERE kind = 'phone'"
        ") p JOIN acc a USING (dataset_id, account_key) "
        "LEFT JOIN acc_country c USING (dataset_id, account_key) WHERE p.raw IS NOT NULL"
    )
    _lookup(
        con,
        "l_phone",
        "SELECT raw, hint FROM phone_raw",
        [("phone", pa.string())],
        lambda raw, hint: (normalise_phone_e164(raw, hint),),
    )
    con.execute(
        "CREATE TEMP TABLE acc_phones AS SELECT dataset_id, account_key, "
        "list_sort(list(phone)) AS phones FROM (SELECT DISTINCT p.dataset_id, p.account_key, "
        "l.phone FROM phone_raw p "
        "JOIN l_phone l ON l.raw = p.raw AND l.hint IS NOT DISTINCT FROM p.hint "
        "WHERE l.phone IS NOT NULL) GROUP BY ALL"
    )


def _build_others(con: duckdb.DuckDBPyConnection, _max_ip_share: int) -> None:
    """Lookups of usernames and names; tables ``acc_btc``, ``acc_handles``, ``acc_seen``."""
    _lookup(
        con,
        "l_user",
        "SELECT username AS raw FROM acc WHERE username IS NOT NULL",
        [
            ("username", pa.string()),
            ("norm", pa.string()),
            ("stem", pa.string()),
            ("digits", pa.string()),
        ],
        _username_parts,
    )
    _lookup(
        con,
        "l_name",
        "SELECT first_name AS raw FROM acc WHERE first_name IS NOT NULL UNION ALL "
        "SELECT last_name FROM acc WHERE last_name IS NOT NULL",
        [("name", pa.string())],
        lambda raw: (normalise_name(raw),),
    )
    con.execute(
        "CREATE TEMP TABLE acc_btc AS SELECT dataset_id, account_key, "
        "list_sort(list(value)) AS btc FROM (SELECT DISTINCT dataset_id, account_key, value "
        "FROM ids WHERE kind = 'btc_address' AND value IS NOT NULL) GROUP BY ALL"
    )
    kinds = ", ".join(f"'{k}'" for k in HANDLE_KINDS)
    con.execute(
        "CREATE TEMP TABLE acc_handles AS SELECT dataset_id, account_key, "
        "list_sort(list(handle)) AS handles FROM (SELECT DISTINCT dataset_id, account_key, "
        f"kind || ':' || value AS handle FROM ids WHERE kind IN ({kinds}) AND value IS NOT NULL) "
        "GROUP BY ALL"
    )
    con.execute(
        'CREATE TEMP TABLE acc_seen AS SELECT dataset_id, account_key, min("at") AS first_at, '
        'max("at") AS last_at FROM ev WHERE "at" IS NOT NULL GROUP BY ALL'
    )


#: identifier kinds kept as one value per account (the most seen, then the first)
PLACE_KINDS = ("address", "postcode", "locality", "national_id")


def _build_places(con: duckdb.DuckDBPyConnection, _max_ip_share: int) -> None:
    """Table ``acc_places``: one address, postcode, locality and national id per account."""
    kinds = ", ".join(f"'{k}'" for k in PLACE_KINDS)
    picks = ", ".join(
        f"arg_min(value, (-n, value)) FILTER (WHERE kind = '{k}') AS {k}" for k in PLACE_KINDS
    )
    con.execute(
        f"CREATE TEMP TABLE acc_places AS SELECT dataset_id, account_key, {picks} FROM ("
        "SELECT dataset_id, account_key, kind, value, sum(coalesce(count, 1)) AS n FROM ids "
        f"WHERE kind IN ({kinds}) AND value IS NOT NULL GROUP BY ALL) GROUP BY ALL"
    )


_SELECT = """
SELECT
  a.dataset_id || ':' || a.account_key AS uid,
  a.dataset_id, a.account_key,
  coalesce(a.platform, d.platform) AS platform,
  d.kind AS platform_kind, d.seized_on,
  u.username, u.norm AS username_norm, u.stem AS username_stem, u.digits AS username_digits,
  e.email,
  CASE WHEN e.email IS NOT NULL THEN split_part(e.email, '@', 1) END AS email_local,
  CASE WHEN e.email IS NOT NULL THEN split_part(e.email, '@', 2) END AS email_domain,
  coalesce(e.emails, []::VARCHAR[]) AS emails,
  coalesce(i.ips, []::VARCHAR[]) AS ips,
  coalesce(i.rare_ips, []::VARCHAR[]) AS rare_ips,
  coalesce(b.btc, []::VARCHAR[]) AS btc,
  coalesce(p.phones, []::VARCHAR[]) AS phones,
  coalesce(h.handles, []::VARCHAR[]) AS handles,
  fn.name AS first_name, ln.name AS last_name,
  CASE WHEN TRY_CAST(a.birth_date AS DATE) BETWEEN DATE '1900-01-01' AND current_date
        AND TRY_CAST(a.birth_date AS DATE) <> DATE '{epoch}'
       THEN TRY_CAST(a.birth_date AS DATE) END AS birth_date,
  c.country,
  CASE WHEN length(trim(a.country_claimed)) = 2 THEN upper(trim(a.country_claimed))
       END AS country_claimed,
  least(a.registered_at, s.first_at) AS first_seen,
  greatest(a.last_seen_at, s.last_at, a.registered_at) AS last_seen,
  a.role,
  pl.address, pl.postcode, pl.locality, pl.national_id
FROM acc a
LEFT JOIN datasets d USING (dataset_id)
LEFT JOIN l_user u ON u.raw = a.username
LEFT JOIN l_name fn ON fn.raw = a.first_name
LEFT JOIN l_name ln ON ln.raw = a.last_name
LEFT JOIN acc_emails e USING (dataset_id, account_key)
LEFT JOIN acc_ips i USING (dataset_id, account_key)
LEFT JOIN acc_country c USING (dataset_id, account_key)
LEFT JOIN acc_btc b USING (dataset_id, account_key)
LEFT JOIN acc_phones p USING (dataset_id, account_key)
LEFT JOIN acc_handles h USING (dataset_id, account_key)
LEFT JOIN acc_seen s USING (dataset_id, account_key)
LEFT JOIN acc_places pl USING (dataset_id, account_key)
ORDER BY a.dataset_id, a.account_key
"""


def build_records(workspace: Workspace, *, max_ip_share: int = 5) -> pa.Table:
    """One ``ACCOUNT_RECORD`` row per account of every dataset in the vault.

    Args:
        workspace: the workspace whose vault is read.
        max_ip_share: an IP seen on more accounts than this (across all datasets) is
            kept in ``ips`` but left out of ``rare_ips``.

    Returns:
        An Arrow table with exactly the schema ``ACCOUNT_RECORD``, sorted by uid parts.
    """
    started = time.monotonic()
    con = duckdb.connect(config={"threads": max(1, os.cpu_count() or 1)})
    try:
        con.execute("SET TimeZone = 'UTC'")
        if not _views(con, workspace):
            return ACCOUNT_RECORD.empty_table()
        for step in (_build_ips, _build_emails, _build_phones, _build_others, _build_places):
            step(con, max_ip_share)
            log.debug("%s done at %.1f s", step.__name__, time.monotonic() - started)
        table = con.sql(_SELECT.format(epoch=EPOCH_ZERO.isoformat())).to_arrow_table()
    except duckdb.Error as exc:
        raise VaultError(
            f"building account records from the canonical tables of {workspace.vault} "
            f"failed: {exc}",
            hint="Check the datasets with `intercop datasets`; re-ingest a damaged one",
        ) from exc
    finally:
        con.close()
    records = table.select(ACCOUNT_RECORD.names).cast(ACCOUNT_RECORD)
    log.info("built %d account records in %.1f s", records.num_rows, time.monotonic() - started)
    return records


def write_records(workspace: Workspace, *, max_ip_share: int = 5) -> Path:
    """Build the account records and write ``derived/records.parquet`` atomically."""
    records = build_records(workspace, max_ip_share=max_ip_share)
    workspace.derived.mkdir(parents=True, exist_ok=True)
    target = workspace.derived / RECORDS
    partial = target.with_name(f".{RECORDS}.{os.getpid()}.partial")
    pq.write_table(records, partial, compression="zstd")
    partial.replace(target)
    return target

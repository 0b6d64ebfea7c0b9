"""Behavioural figures per person, computed by DuckDB over the canonical Parquet files.

Builds, on a connection from ``sources.open_sources``, the temporary tables

- ``acct``: one row per account of a person, with its platform, kind, seizure date,
  role and activity span (registration, last sighting and events combined);
- ``feat``: one row per person: platforms, datasets, accounts, activity span, highest
  role, attacks (count, attack-days, distinct targets, methods, target categories),
  money (payments, spend per currency, crypto addresses) and forum activity (posts,
  private messages, sales threads, tickets).

Attack targets are victims: they are only ever *counted* here, never selected.
"""

from __future__ import annotations

import re

import duckdb

from intercop.profiles.targets import category_sql

#: role ranks: the profile's role is the highest over the person's accounts
ROLE_RANK: dict[str, int] = {
    "unknown": 0,
    "customer": 1,
    "reseller": 2,
    "seller": 2,
    "staff": 3,
    "admin": 4,
}

#: words and tags of sales threads ("WTS", "[SELL]", "verkoop", "vendo"...); word-like
#: entries are matched as whole words, the rest (tags, non-Latin scripts) anywhere
SALES_WORDS: tuple[str, ...] = (
    "wts",
    "selling",
    "sell",
    "for sale",
    "verkoop",
    "verkopen",
    "te koop",
    "vendo",
    "vendendo",
    "vende-se",
    "verkaufe",
    "zu verkaufen",
    "säljer",
    "säljes",
    "myydään",
    "sprzedam",
    "vends",
    "vendre",
    "vendita",
)
SALES_FRAGMENTS: tuple[str, ...] = ("[sell", "[wts", "à venda", "продам", "продаю", "売ります")


def sales_pattern() -> str:
    """The RE2 pattern (case-insensitive) of a sales subject."""
    words = [r"\b" + re.escape(w).replace(r"\ ", " ") + r"\b" for w in SALES_WORDS]
    fragments = [re.escape(f) for f in SALES_FRAGMENTS]
    return "(?i)(" + "|".join(words + fragments) + ")"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _role_case(column: str) -> str:
    whens = " ".join(f"WHEN {_literal(r)} THEN {n}" for r, n in ROLE_RANK.items())
    return f"CASE {column} {whens} ELSE 0 END"


def build_accounts(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``acct``: every account of a person with its platform and activity span."""
    subject = (
        "coalesce(json_extract_string(detail, '$.subject'), "
        "json_extract_string(detail, '$.excerpt'), '')"
    )
    sales = _literal(sales_pattern())
    con.execute(
        f"""
        CREATE TEMP TABLE ev_acct AS
        SELECT dataset_id, account_key,
               min("at") AS ev_first, max("at") AS ev_last,
               count(*) FILTER (WHERE kind = 'attack') AS attacks,
               count(*) FILTER (WHERE kind = 'payment') AS payments,
               count(*) FILTER (WHERE kind = 'post') AS posts,
               count(*) FILTER (WHERE kind = 'message') AS messages,
               count(*) FILTER (WHERE kind = 'ticket') AS tickets,
               count(*) FILTER (WHERE kind = 'post' AND regexp_matches({subject}, {sales}))
                   AS sales_threads,
               count(*) FILTER (WHERE kind = 'message' AND regexp_matches({subject}, {sales}))
                   AS sales_messages
        FROM ev
        WHERE account_key IS NOT NULL
        GROUP BY ALL
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE acct AS
        SELECT m.person_id, a.dataset_id, a.account_key,
               a.dataset_id || ':' || a.account_key AS uid,
               d.platform, d.kind, d.seized_on,
               coalesce(a.role, 'unknown') AS role, {_role_case("coalesce(a.role, 'unknown')")}
                   AS role_rank,
               a.username, a.email, a.birth_date, a.country_claimed, a.phone,
               a.registered_at,
               least(a.registered_at, e.ev_first, a.last_seen_at) AS first_at,
               greatest(a.last_seen_at, e.ev_last, a.registered_at) AS last_at,
               coalesce(e.attacks, 0) AS attacks, coalesce(e.payments, 0) AS payments,
               coalesce(e.posts, 0) AS posts, coalesce(e.messages, 0) AS messages,
               coalesce(e.tickets, 0) AS tickets,
               coalesce(e.sales_threads, 0) AS sales_threads,
               coalesce(e.sales_messages, 0) AS sales_messages
        FROM pmap m
        JOIN acc a USING (dataset_id, account_key)
        JOIN ds d USING (dataset_id)
        LEFT JOIN ev_acct e USING (dataset_id, account_key)
        """
    )
    con.execute("DROP TABLE ev_acct")


def build_features(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``feat``: one row per person of ``pmap`` with the behavioural figures."""
    con.execute(
        f"""
        CREATE TEMP TABLE atk AS
        WITH e AS (
            SELECT m.person_id, e."at", e.target, upper(e.method) AS method,
                   {category_sql("e.target_port", "e.method")} AS category
            FROM ev e JOIN pmap m USING (dataset_id, account_key)
            WHERE e.kind = 'attack'
        ),
        per AS (
            SELECT person_id, count(DISTINCT CAST("at" AS DATE)) AS attack_days,
                   count(DISTINCT target) AS attack_targets
            FROM e GROUP BY 1
        ),
        meth AS (
            SELECT person_id, list({{'name': method, 'attacks': n}} ORDER BY n DESC, method)
                   AS attack_methods
            FROM (SELECT person_id, method, count(*) AS n FROM e
                  WHERE method IS NOT NULL GROUP BY ALL)
            GROUP BY 1
        ),
        cat AS (
            SELECT person_id,
                   list({{'name': category, 'attacks': n}} ORDER BY n DESC, category)
                   AS attack_categories,
                   sum(n) FILTER (WHERE category LIKE 'game:%') AS game_attacks
            FROM (SELECT person_id, category, count(*) AS n FROM e GROUP BY ALL)
            GROUP BY 1
        )
        SELECT * FROM per LEFT JOIN meth USING (person_id) LEFT JOIN cat USING (person_id)
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE money AS
        WITH spend AS (
            SELECT person_id,
                   list({'currency': currency, 'amount': amount} ORDER BY currency) AS spend
            FROM (SELECT m.person_id, upper(coalesce(e.currency, '?')) AS currency,
                         round(sum(e.amount)::DOUBLE, 8) AS amount
                  FROM ev e JOIN pmap m USING (dataset_id, account_key)
                  WHERE e.kind = 'payment' AND e.amount IS NOT NULL GROUP BY ALL)
            GROUP BY 1
        ),
        crypto AS (
            SELECT m.person_id, count(DISTINCT i.value) AS crypto_addresses
            FROM idf i JOIN pmap m USING (dataset_id, account_key)
            WHERE i.kind = 'btc_address' GROUP BY 1
        )
        SELECT * FROM spend FULL JOIN crypto USING (person_id)
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE feat AS
        WITH p AS (SELECT DISTINCT person_id FROM pmap),
        a AS (
            SELECT person_id, count(*) AS accounts,
                   list(DISTINCT platform ORDER BY platform) AS platforms,
                   list(DISTINCT dataset_id ORDER BY dataset_id) AS datasets,
                   list(DISTINCT kind ORDER BY kind) AS platform_kinds,
                   min(first_at) AS first_activity, max(last_at) AS last_activity,
                   arg_max({'role': role, 'uid': uid, 'platform': platform}, role_rank)
                       AS role_evidence,
                   sum(attacks) AS attacks, sum(payments) AS payments, sum(posts) AS posts,
                   sum(messages) AS messages, sum(tickets) AS tickets,
                   sum(sales_threads) AS sales_threads, sum(sales_messages) AS sales_messages
            FROM acct GROUP BY 1
        )
        SELECT p.person_id, coalesce(a.accounts, 0) AS accounts,
               coalesce(a.platforms, []) AS platforms, coalesce(a.datasets, []) AS datasets,
               coalesce(a.platform_kinds, []) AS platform_kinds,
               a.first_activity, a.last_activity,
               coalesce(a.role_evidence.role, 'unknown') AS role, a.role_evidence,
               coalesce(a.attacks, 0)::BIGINT AS attacks,
               coalesce(t.attack_days, 0)::BIGINT AS attack_days,
               coalesce(t.attack_targets, 0)::BIGINT AS attack_targets,
               coalesce(t.attack_methods, []) AS attack_methods,
               coalesce(t.attack_categories, []) AS attack_categories,
               coalesce(t.game_attacks, 0)::BIGINT AS game_attacks,
               coalesce(a.payments, 0)::BIGINT AS payments,
               coalesce(m.spend, []) AS spend,
               coalesce(m.crypto_addresses, 0)::BIGINT AS crypto_addresses,
               coalesce(a.posts, 0)::BIGINT AS posts,
               coalesce(a.messages, 0)::BIGINT AS messages,
               coalesce(a.sales_threads, 0)::BIGINT AS sales_threads,
               coalesce(a.sales_messages, 0)::BIGINT AS sales_messages,
               coalesce(a.tickets, 0)::BIGINT AS tickets
        FROM p LEFT JOIN a USING (person_id)
               LEFT JOIN atk t USING (person_id)
               LEFT JOIN money m USING (person_id)
        """
    )
    con.execute("DROP TABLE atk")
    con.execute("DROP TABLE money")

"""Clues of country and age per person, gathered by DuckDB (weighed later in Python).

Creates ``sig``: one row per person with the lists the pure estimators take:
IP points per country (IPs weighed by how many persons share them), e-mail
addresses, claimed countries, phones, language hits of their texts, birthday fields,
birth-year fields (identifiers of kind ``birth_year``) and handles. IP addresses
are geolocated offline with iptocc, once per distinct IP.
"""

from __future__ import annotations

import logging

import duckdb
import pyarrow as pa

from intercop.evidence.geography import UNKNOWN, countries_of
from intercop.profiles.jurisdiction import ip_weight
from intercop.profiles.language import LANGUAGES

log = logging.getLogger(__name__)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ip_points(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TEMP TABLE person_ip AS
        SELECT m.person_id, i.value AS ip
        FROM idf i JOIN pmap m USING (dataset_id, account_key)
        WHERE i.kind = 'ip' AND i.value IS NOT NULL
        GROUP BY ALL
        """
    )
    shared = con.sql("SELECT ip, count(*) AS persons FROM person_ip GROUP BY ip").to_arrow_table()
    ips = shared.column("ip").to_pylist()
    persons = shared.column("persons").to_pylist()
    country = countries_of([str(ip) for ip in ips])
    table = pa.table(
        {
            "ip": ips,
            "country": [country.get(str(ip), UNKNOWN) for ip in ips],
            "persons": persons,
            "weight": [ip_weight(int(n)) for n in persons],
        }
    )
    log.info("geolocated %d distinct IPs", len(ips))
    con.register("ipw_in", table)
    con.execute("CREATE TEMP TABLE ipw AS SELECT * FROM ipw_in")
    con.unregister("ipw_in")
    con.execute(
        """
        CREATE TEMP TABLE ip_clues AS
        SELECT person_id,
               list({'country': country, 'points': points, 'ips': ips,
                     'shared_ips': shared_ips} ORDER BY points DESC, country) AS ip_clues
        FROM (SELECT p.person_id, w.country, sum(w.weight) AS points, count(*) AS ips,
                     count(*) FILTER (WHERE w.persons > 2) AS shared_ips
              FROM person_ip p JOIN ipw w USING (ip)
              WHERE w.country <> '??'
              GROUP BY ALL)
        GROUP BY 1
        """
    )
    con.execute("DROP TABLE person_ip")


def _languages(con: duckdb.DuckDBPyConnection) -> None:
    hits = ", ".join(
        f"count(*) FILTER (WHERE regexp_matches(text, {_literal(lang.pattern)})) AS {lang.code}"
        for lang in LANGUAGES
    )
    columns = ", ".join(
        f"{{'language': '{lang.code}', 'texts': {lang.code}}}" for lang in LANGUAGES
    )
    con.execute(
        f"""
        CREATE TEMP TABLE lang AS
        WITH t AS (
            SELECT m.person_id,
                   coalesce(json_extract_string(e.detail, '$.subject'), '') || ' ' ||
                   coalesce(json_extract_string(e.detail, '$.excerpt'), '') AS text
            FROM ev e JOIN pmap m USING (dataset_id, account_key)
            WHERE e.kind IN ('ticket', 'post', 'message')
        ),
        c AS (SELECT person_id, count(*) AS texts, {hits} FROM t GROUP BY 1)
        SELECT person_id, texts,
               list_filter([{columns}], lambda x: x.texts > 0) AS languages
        FROM c
        """
    )


def build_signals(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``sig`` from ``acct``, ``idf``, ``ev`` and ``pmap``."""
    _ip_points(con)
    _languages(con)
    con.execute(
        """
        CREATE TEMP TABLE sig AS
        WITH em AS (
            SELECT person_id, list(DISTINCT email ORDER BY email) AS emails FROM (
                SELECT m.person_id, lower(i.value) AS email
                FROM idf i JOIN pmap m USING (dataset_id, account_key)
                WHERE i.kind IN ('email', 'paypal_email') AND i.value IS NOT NULL
                UNION
                SELECT person_id, lower(email) FROM acct WHERE email IS NOT NULL)
            GROUP BY 1
        ),
        ph AS (
            SELECT person_id, list(DISTINCT phone ORDER BY phone) AS phones FROM (
                SELECT m.person_id, i.value AS phone
                FROM idf i JOIN pmap m USING (dataset_id, account_key)
                WHERE i.kind = 'phone' AND i.value IS NOT NULL
                UNION
                SELECT person_id, phone FROM acct WHERE phone IS NOT NULL)
            GROUP BY 1
        ),
        yr AS (
            SELECT m.person_id,
                   list(DISTINCT {'year': TRY_CAST(i.value AS INTEGER), 'platform': d.platform})
                       AS birth_years
            FROM idf i JOIN pmap m USING (dataset_id, account_key) JOIN ds d USING (dataset_id)
            WHERE i.kind = 'birth_year' AND TRY_CAST(i.value AS INTEGER) IS NOT NULL
            GROUP BY 1
        ),
        ac AS (
            SELECT person_id,
                   list(DISTINCT {'value': country_claimed, 'platform': platform})
                       FILTER (WHERE country_claimed IS NOT NULL) AS claimed,
                   list(DISTINCT {'birth_date': birth_date, 'platform': platform})
                       FILTER (WHERE birth_date IS NOT NULL) AS birthdays,
                   list(DISTINCT {'name': username, 'where': platform})
                       FILTER (WHERE username IS NOT NULL) AS handles
            FROM acct GROUP BY 1
        )
        SELECT p.person_id, i.ip_clues, em.emails, ph.phones, ac.claimed, ac.birthdays,
               yr.birth_years, ac.handles, l.languages, coalesce(l.texts, 0) AS texts
        FROM (SELECT DISTINCT person_id FROM pmap) p
        LEFT JOIN ip_clues i USING (person_id)
        LEFT JOIN em USING (person_id)
        LEFT JOIN ph USING (person_id)
        LEFT JOIN ac USING (person_id)
        LEFT JOIN yr USING (person_id)
        LEFT JOIN lang l USING (person_id)
        """
    )
    con.execute("DROP TABLE ip_clues")
    con.execute("DROP TABLE lang")

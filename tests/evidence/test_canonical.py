"""Canonical tables built from small raw Parquet fixtures: a booter panel (English, and
Dutch/Portuguese), and a MyBB forum with 4- and 16-byte binary IPs."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from intercop.evidence.canonical import build_canonical
from intercop.evidence.detect import column_secrets, detect_mapping
from intercop.evidence.mapping import ColumnRole, Mapping, Secret
from intercop.evidence.minimise import apply_secrets, minimised_schema
from intercop.evidence.schema import Column, TableSchema

KEY = b"k" * 32
BCRYPT = "$2y$10$" + "a" * 53
T0 = 1_600_000_000  # 2020-09-13 12:26:40 UTC


def ts(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def v4(text: str) -> bytes:
    return ipaddress.IPv4Address(text).packed


def v6(text: str) -> bytes:
    return ipaddress.IPv6Address(text).packed


#: (sql type, arrow type) per short name used by the fixtures
TYPES = {
    "int": ("int(11)", pa.int64()),
    "str": ("varchar(255)", pa.string()),
    "text": ("text", pa.string()),
    "dt": ("datetime", pa.timestamp("us")),
    "dec": ("decimal(10,2)", pa.decimal128(10, 2)),
    "bin": ("varbinary(16)", pa.binary()),
}

TableSpec = tuple[list[tuple[str, str]], list[tuple[Any, ...]], tuple[str, ...]]


@dataclass
class Raw:
    """A raw layer as ingest leaves it: minimised Parquet files and their schemas."""

    files: dict[str, Path]
    schemas: dict[str, TableSchema]
    secrets: dict[str, dict[str, tuple[Secret, ColumnRole]]]

    def sample(self, table: str, n: int) -> pa.Table:
        return pq.read_table(self.files[table]).slice(0, n)

    def detect(self, kind: str | None = None) -> Mapping:
        return detect_mapping(self.schemas, self.sample, kind)


def write_raw(folder: Path, tables: dict[str, TableSpec]) -> Raw:
    """Write ``tables`` the way the raw sink does: secrets decided on the first batch."""
    folder.mkdir(parents=True, exist_ok=True)
    files, schemas, secrets = {}, {}, {}
    for name, (cols, rows, pk) in tables.items():
        schema = TableSchema(
            name=name,
            columns=tuple(Column(c, TYPES[t][0], TYPES[t][1]) for c, t in cols),
            primary_key=pk,
        )
        arrow = schema.arrow_schema()
        batch = pa.RecordBatch.from_pylist(
            [dict(zip([c for c, _ in cols], r, strict=True)) for r in rows], schema=arrow
        )
        found = column_secrets(schema, batch, None)
        path = folder / f"{name}.parquet"
        pq.write_table(
            pa.Table.from_batches(
                [apply_secrets(batch, found, KEY)], minimised_schema(arrow, found)
            ),
            path,
        )
        stored = pq.read_schema(path)
        schemas[name] = TableSchema(
            name=name,
            columns=tuple(
                Column(c.name, c.sql_type, stored.field(c.name).type)
                for c in schema.columns
                if c.name in stored.names
            ),
            primary_key=pk,
        )
        files[name], secrets[name] = path, found
    return Raw(files, schemas, secrets)


def booter_a() -> dict[str, TableSpec]:
    """English booter panel (mysqldump layout): no e-mail in users."""
    return {
        "users": (
            [
                ("id", "int"),
                ("username", "str"),
                ("password", "str"),
                ("plan", "str"),
                ("api_key", "str"),
                ("created", "dt"),
            ],
            [
                (1, "Alice", BCRYPT, "VIP", "k1a2b3c4d5e6f7g8h9", datetime(2020, 1, 1, 10, 0)),
                (2, "bob", BCRYPT, "Free", None, datetime(2020, 2, 1, 11, 30)),
                (3, "Carol", BCRYPT, "Free", None, None),
            ],
            ("id",),
        ),
        "payments": (
            [
                ("id", "int"),
                ("user_id", "int"),
                ("paypal_email", "str"),
                ("txn_id", "str"),
                ("amount", "dec"),
                ("currency", "str"),
                ("status", "str"),
                ("date", "dt"),
            ],
            [
                (
                    1,
                    1,
                    " Alice.P@Example.COM ",
                    "TXN1",
                    Decimal("15.00"),
                    "eur",
                    "Completed",
                    datetime(2020, 3, 1, 9, 0),
                ),
                (
                    2,
                    99,
                    "ghost@example.net",
                    "TXN2",
                    Decimal("5.50"),
                    "EUR",
                    "Completed",
                    datetime(2020, 3, 2, 9, 0),
                ),
            ],
            ("id",),
        ),
        "login_logs": (
            [
                ("id", "int"),
                ("user_id", "int"),
                ("ip", "str"),
                ("country", "str"),
                ("user_agent", "str"),
                ("date", "int"),
            ],
            [
                (1, 1, "203.0.113.7", "NL", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", T0),
                (
                    2,
                    1,
                    "203.0.113.7",
                    "NL",
                    "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
                    T0 + 3600,
                ),
                (3, 2, "2001:DB8::0001", "GB", "Mozilla/5.0 AppleWebKit Chrome/119", T0 + 60),
            ],
            ("id",),
        ),
        "attack_logs": (
            [
                ("id", "int"),
                ("user_id", "int"),
                ("target", "str"),
                ("port", "int"),
                ("method", "str"),
                ("duration", "int"),
                ("date", "int"),
            ],
            [
                (1, 1, "198.51.100.20", 80, "UDP", 300, T0 + 100),
                (2, 2, "victim.example.org", 443, "HTTP-GET", 60, T0 + 200),
            ],
            ("id",),
        ),
        "tickets": (
            [
                ("id", "int"),
                ("user_id", "int"),
                ("subject", "str"),
                ("message", "text"),
                ("status", "str"),
                ("date", "dt"),
            ],
            [
                (
                    1,
                    2,
                    "refund",
                    "my attack did not work, please refund",
                    "open",
                    datetime(2020, 3, 5, 8, 0),
                )
            ],
            ("id",),
        ),
    }


def booter_b() -> dict[str, TableSpec]:
    """Booter panel with Dutch and Portuguese names (phpMyAdmin layout), typed passwords."""
    return {
        "gebruikers": (
            [
                ("id", "int"),
                ("gebruikersnaam", "str"),
                ("email", "str"),
                ("wachtwoord", "str"),
                ("laatste_ip", "str"),
                ("registratiedatum", "dt"),
            ],
            [
                (10, "Zero_Cool", "ZC@Mail.example", BCRYPT, "192.0.2.44", datetime(2021, 5, 1)),
                (11, "acid", "acid@mail.example", BCRYPT, "192.0.2.45", datetime(2021, 5, 2)),
            ],
            ("id",),
        ),
        "login_historico": (
            [
                ("id", "int"),
                ("usuario", "str"),
                ("ip", "str"),
                ("senha", "str"),
                ("navegador", "str"),
                ("data", "dt"),
            ],
            [
                (
                    1,
                    "zero_cool",
                    "192.0.2.44",
                    "hunter2",
                    "Mozilla/5.0 Firefox/100",
                    datetime(2021, 6, 1, 12, 0),
                ),
                (2, "nobody", "192.0.2.99", "letmein", "curl/7.1", datetime(2021, 6, 2, 12, 0)),
            ],
            ("id",),
        ),
        "aanvallen": (
            [
                ("id", "int"),
                ("gebruiker_id", "int"),
                ("doel", "str"),
                ("poort", "int"),
                ("methode", "str"),
                ("duur", "int"),
                ("tijdstip", "int"),
            ],
            [(1, 11, "198.51.100.9", 53, "DNS", 120, T0)],
            ("id",),
        ),
        "pagamentos_cripto": (
            [
                ("id", "int"),
                ("gebruiker_id", "int"),
                ("carteira", "str"),
                ("valor", "dec"),
                ("moeda", "str"),
                ("data", "dt"),
            ],
            [
                (
                    1,
                    10,
                    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                    Decimal("0.01"),
                    "BTC",
                    datetime(2021, 6, 3),
                )
            ],
            ("id",),
        ),
    }


def mybb(prefix: str = "mybb_") -> dict[str, TableSpec]:
    """A MyBB 1.8 forum with 4- and 16-byte packed IPs."""
    return {
        f"{prefix}users": (
            [
                ("uid", "int"),
                ("username", "str"),
                ("password", "str"),
                ("salt", "str"),
                ("loginkey", "str"),
                ("email", "str"),
                ("usergroup", "int"),
                ("regdate", "int"),
                ("lastactive", "int"),
                ("birthday", "str"),
                ("regip", "bin"),
                ("lastip", "bin"),
                ("skype", "str"),
            ],
            [
                (
                    1,
                    "Admin",
                    "0" * 32,
                    "s4lt1234",
                    "L" * 50,
                    "admin@forum.example",
                    4,
                    T0,
                    T0 + 500,
                    "5-3-1990",
                    v4("198.18.0.1"),
                    v6("2001:db8::5"),
                    None,
                ),
                (
                    2,
                    "kid",
                    "f" * 32,
                    "s4lt5678",
                    "M" * 50,
                    "Kid@Gmail.com",
                    2,
                    T0 + 10,
                    T0 + 900,
                    "17-11-",
                    v6("::ffff:203.0.113.9"),
                    v4("203.0.113.9"),
                    "kid.sky",
                ),
            ],
            ("uid",),
        ),
        f"{prefix}posts": (
            [
                ("pid", "int"),
                ("tid", "int"),
                ("uid", "int"),
                ("username", "str"),
                ("dateline", "int"),
                ("subject", "str"),
                ("message", "text"),
                ("ipaddress", "bin"),
            ],
            [
                (1, 1, 2, "kid", T0 + 20, "booter?", "where to buy a booter", v4("203.0.113.9")),
                (2, 1, 0, "Kid", T0 + 30, "re", "guest post", v6("2001:db8::77")),
            ],
            ("pid",),
        ),
        f"{prefix}privatemessages": (
            [
                ("pmid", "int"),
                ("uid", "int"),
                ("toid", "int"),
                ("fromid", "int"),
                ("folder", "int"),
                ("subject", "str"),
                ("message", "text"),
                ("dateline", "int"),
                ("ipaddress", "bin"),
            ],
            [(1, 1, 1, 2, 1, "hi", "hello admin", T0 + 40, v4("203.0.113.9"))],
            ("pmid",),
        ),
    }


def rows(path: Path, sort: Callable[[dict[str, Any]], Any] | None = None) -> list[dict[str, Any]]:
    out = pq.read_table(path).to_pylist()
    return sorted(out, key=sort) if sort else out


def build(tmp_path: Path, raw: Raw, mapping: Mapping, platform: str = "p") -> Path:
    out = tmp_path / "canonical"
    build_canonical(
        raw.files, raw.schemas, mapping, dataset_id="ds1", platform=platform, out_dir=out
    )
    return out


@pytest.fixture
def booter_a_raw(tmp_path: Path) -> Raw:
    return write_raw(tmp_path / "raw_a", booter_a())


def test_canonical_columns_and_types_match_the_contract(tmp_path: Path, booter_a_raw: Raw) -> None:
    out = build(tmp_path, booter_a_raw, booter_a_raw.detect("booter"))
    accounts = pq.read_schema(out / "accounts.parquet")
    assert accounts.names == [
        "dataset_id",
        "account_key",
        "platform",
        "username",
        "email",
        "display_name",
        "first_name",
        "last_name",
        "birth_date",
        "phone",
        "country_claimed",
        "registered_at",
        "last_seen_at",
        "role",
        "source_table",
    ]
    assert accounts.field("birth_date").type == pa.date32()
    assert accounts.field("registered_at").type == pa.timestamp("us", tz="UTC")
    identifiers = pq.read_schema(out / "identifiers.parquet")
    assert identifiers.names == [
        "dataset_id",
        "account_key",
        "kind",
        "value",
        "raw_value",
        "first_seen",
        "last_seen",
        "count",
        "source",
    ]
    assert identifiers.field("count").type == pa.int64()
    events = pq.read_schema(out / "events.parquet")
    assert events.names == [
        "dataset_id",
        "account_key",
        "kind",
        "at",
        "ip",
        "amount",
        "currency",
        "target",
        "target_port",
        "method",
        "duration_s",
        "detail",
        "source",
    ]
    assert events.field("amount").type == pa.decimal128(18, 8)
    assert events.field("target_port").type == pa.int32()
    assert events.field("duration_s").type == pa.int64()
    assert events.field("at").type == pa.timestamp("us", tz="UTC")


def test_booter_a_accounts_identifiers_and_events(tmp_path: Path, booter_a_raw: Raw) -> None:
    out = build(tmp_path, booter_a_raw, booter_a_raw.detect("booter"), platform="storm")
    accounts = rows(out / "accounts.parquet", lambda r: r["account_key"])
    assert [a["account_key"] for a in accounts] == ["1", "2", "3"]
    assert accounts[0]["username"] == "Alice"
    assert accounts[0]["platform"] == "storm"
    assert accounts[0]["role"] == "customer"
    assert accounts[0]["registered_at"] == datetime(2020, 1, 1, 10, 0, tzinfo=UTC)
    assert accounts[2]["registered_at"] is None
    assert accounts[0]["source_table"] == "users"

    ids = rows(out / "identifiers.parquet", lambda r: (r["account_key"], r["kind"], r["value"]))
    by = {(r["account_key"], r["kind"]): r for r in ids}
    paypal = by[("1", "paypal_email")]
    assert paypal["value"] == "alice.p@example.com"
    assert paypal["raw_value"] == " Alice.P@Example.COM "
    assert paypal["source"] == "payments.paypal_email"
    ip = by[("1", "ip")]
    assert (ip["value"], ip["count"]) == ("203.0.113.7", 2)
    assert (ip["first_seen"], ip["last_seen"]) == (ts(T0), ts(T0 + 3600))
    assert ip["source"] == "login_logs.ip"
    assert by[("2", "ip")]["value"] == "2001:db8::1"
    assert by[("1", "password_hash")]["value"].startswith("hmac-sha256:")
    assert by[("1", "api_key")]["value"].startswith("hmac-sha256:")
    assert by[("1", "username")]["value"] == "alice"
    # victims are never identifiers, and nothing points at the unknown payer 99
    values = {r["value"] for r in ids}
    assert "198.51.100.20" not in values and "victim.example.org" not in values
    assert "ghost@example.net" not in values

    events = rows(out / "events.parquet", lambda r: (r["kind"], r["source"], r["at"]))
    kinds = [e["kind"] for e in events]
    assert kinds.count("registration") == 2  # Carol has no registration time
    assert kinds.count("login") == 3 and kinds.count("attack") == 2
    attack = next(e for e in events if e["kind"] == "attack" and e["account_key"] == "1")
    assert attack["target"] == "198.51.100.20"
    assert (attack["target_port"], attack["method"], attack["duration_s"]) == (80, "UDP", 300)
    assert attack["at"] == ts(T0 + 100)
    assert json.loads(attack["detail"])["third_party"] is True
    assert attack["source"] == "attack_logs.date"
    payments = [e for e in events if e["kind"] == "payment"]
    paid = next(e for e in payments if e["account_key"] == "1")
    assert (paid["amount"], paid["currency"]) == (Decimal("15"), "EUR")
    orphan = next(e for e in payments if e["account_key"] is None)
    assert json.loads(orphan["detail"])["user_ref"] == "99"
    ticket = next(e for e in events if e["kind"] == "ticket")
    assert ticket["account_key"] == "2"
    assert json.loads(ticket["detail"])["subject"] == "refund"


def test_booter_b_joins_by_username_and_never_keeps_typed_passwords(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw_b", booter_b())
    assert raw.secrets["login_historico"] == {"senha": (Secret.DROP, ColumnRole.PASSWORD_PLAIN)}
    assert "senha" not in pq.read_schema(raw.files["login_historico"]).names
    out = build(tmp_path, raw, raw.detect("booter"))
    accounts = rows(out / "accounts.parquet", lambda r: r["account_key"])
    assert [(a["account_key"], a["email"]) for a in accounts] == [
        ("10", "zc@mail.example"),
        ("11", "acid@mail.example"),
    ]
    logins = rows(out / "events.parquet", lambda r: r["at"])
    logins = [e for e in logins if e["kind"] == "login"]
    # "zero_cool" in the log is "Zero_Cool" in users: joined through the normalised name
    assert [e["account_key"] for e in logins] == ["10", None]
    assert logins[0]["at"] == datetime(2021, 6, 1, 12, 0, tzinfo=UTC)
    assert json.loads(logins[1]["detail"])["user_ref"] == "nobody"
    ids = rows(out / "identifiers.parquet", lambda r: (r["account_key"], r["kind"], r["value"]))
    assert ("10", "btc_address", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq") in {
        (r["account_key"], r["kind"], r["value"]) for r in ids
    }
    assert not any("hunter2" in json.dumps(r, default=str) for r in ids + logins)


def test_mybb_binary_ips_birthdays_and_messages(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw_m", mybb())
    mapping = raw.detect("forum")
    assert mapping.software == "mybb-1.8"
    out = build(tmp_path, raw, mapping)
    accounts = {a["account_key"]: a for a in rows(out / "accounts.parquet")}
    assert accounts["1"]["role"] == "admin" and accounts["2"]["role"] == "unknown"
    assert accounts["1"]["birth_date"] == date(1990, 3, 5)
    assert accounts["2"]["birth_date"] is None  # year hidden
    assert accounts["2"]["email"] == "kid@gmail.com"
    assert accounts["1"]["last_seen_at"] == ts(T0 + 500)
    ids = rows(out / "identifiers.parquet")
    ips = {(r["account_key"], r["value"]): r for r in ids if r["kind"] == "ip"}
    assert ("1", "198.18.0.1") in ips and ("1", "2001:db8::5") in ips
    kid = ips[("2", "203.0.113.9")]  # regip (mapped v6), lastip (v4), post and PM IPs
    assert kid["count"] == 4
    assert kid["raw_value"] == "0x00000000000000000000ffffcb007109"
    assert kid["source"] == (
        "mybb_posts.ipaddress,mybb_privatemessages.ipaddress,mybb_users.lastip,mybb_users.regip"
    )
    assert ("2", "skype", "kid.sky") in {(r["account_key"], r["kind"], r["value"]) for r in ids}
    events = rows(out / "events.parquet", lambda r: (r["kind"], r["at"]))
    posts = [e for e in events if e["kind"] == "post"]
    assert [(p["account_key"], p["ip"]) for p in posts] == [
        ("2", "203.0.113.9"),
        ("2", "2001:db8::77"),  # uid 0: found by username "Kid"
    ]
    message = next(e for e in events if e["kind"] == "message")
    assert (message["account_key"], message["target"]) == ("2", "1")
    assert json.loads(message["detail"])["third_party"] is True
    registrations = [e for e in events if e["kind"] == "registration"]
    assert {(e["account_key"], e["ip"]) for e in registrations} == {
        ("1", "198.18.0.1"),
        ("2", "203.0.113.9"),
    }


def test_datetime_in_a_mapped_timezone_becomes_utc(tmp_path: Path, booter_a_raw: Raw) -> None:
    mapping = booter_a_raw.detect("booter")
    mapping.timezone = "Europe/Amsterdam"
    out = build(tmp_path, booter_a_raw, mapping)
    accounts = {a["account_key"]: a for a in rows(out / "accounts.parquet")}
    assert accounts["1"]["registered_at"] == datetime(2020, 1, 1, 9, 0, tzinfo=UTC)
    logins = [e for e in rows(out / "events.parquet") if e["kind"] == "login"]
    assert min(e["at"] for e in logins) == ts(T0)  # epochs are UTC whatever the zone


def test_empty_mapping_writes_empty_tables_with_the_contract_columns(tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "raw_e", {"misc": ([("k", "int")], [(1,)], ())})
    out = build(tmp_path, raw, Mapping())
    assert pq.read_table(out / "events.parquet").num_rows == 0
    assert len(pq.read_schema(out / "accounts.parquet").names) == 15

"""Detection of table and column roles, with reasons, and of secrets on the first batch."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from intercop.evidence.detect import column_secrets
from intercop.evidence.mapping import ColumnRole, Secret, TableRole
from intercop.evidence.schema import Column, TableSchema
from tests.evidence.test_canonical import BCRYPT, T0, TableSpec, booter_b, write_raw


def forum_renamed() -> dict[str, TableSpec]:
    """A MyBB-like forum whose tables and columns were renamed: no built-in mapping fits."""
    v4 = ipaddress.IPv4Address("203.0.113.5").packed
    v6 = ipaddress.IPv6Address("2001:db8::9").packed
    return {
        "bb_members": (
            [
                ("member_id", "int"),
                ("member_name", "str"),
                ("email_address", "str"),
                ("passwd", "str"),
                ("password_salt", "str"),
                ("date_registered", "int"),
                ("last_login", "int"),
                ("birthdate", "str"),
                ("regip", "bin"),
                ("contact", "str"),
            ],
            [
                (
                    1,
                    "neo",
                    "neo@example.org",
                    "a" * 32,
                    "xyz",
                    T0,
                    T0 + 5,
                    "1-2-2005",
                    v4,
                    "neo@example.org",
                ),
                (
                    2,
                    "trin",
                    "trin@example.org",
                    "b" * 32,
                    "abc",
                    T0,
                    T0 + 9,
                    "3-4-2006",
                    v6,
                    "trin@example.org",
                ),
            ],
            ("member_id",),
        ),
        "bb_messages": (
            [
                ("msg_id", "int"),
                ("sender_id", "int"),
                ("recipient_id", "int"),
                ("body", "text"),
                ("sent", "int"),
                ("poster_ip", "bin"),
            ],
            [(1, 1, 2, "hi there", T0 + 50, v6)],
            ("msg_id",),
        ),
        "bb_topics_posts": (
            [
                ("id_msg", "int"),
                ("id_member", "int"),
                ("body", "text"),
                ("poster_time", "int"),
                ("poster_ip", "str"),
            ],
            [(1, 1, "first post", T0 + 60, "203.0.113.5")],
            ("id_msg",),
        ),
    }


def test_booter_b_roles_from_dutch_and_portuguese_names(tmp_path: Path) -> None:
    mapping = write_raw(tmp_path, booter_b()).detect()
    roles = {name: t.role for name, t in mapping.tables.items()}
    assert roles == {
        "gebruikers": TableRole.USERS,
        "login_historico": TableRole.LOGINS,
        "aanvallen": TableRole.ATTACKS,
        "pagamentos_cripto": TableRole.PAYMENTS,
    }
    users = mapping.tables["gebruikers"].columns
    assert users["gebruikersnaam"].role is ColumnRole.USERNAME
    assert (users["laatste_ip"].role, users["laatste_ip"].format) == (ColumnRole.IP, "ip_text")
    assert users["registratiedatum"].format == "datetime"
    assert users["wachtwoord"].role is ColumnRole.PASSWORD_HASH
    logins = mapping.tables["login_historico"].columns
    assert (logins["usuario"].role, logins["usuario"].format) == (ColumnRole.USER_REF, "username")
    assert "senha" not in logins  # dropped before detection ever saw it
    attacks = mapping.tables["aanvallen"].columns
    assert attacks["doel"].role is ColumnRole.TARGET
    assert attacks["tijdstip"].format == "epoch_s"
    assert attacks["duur"].role is ColumnRole.DURATION
    payments = mapping.tables["pagamentos_cripto"].columns
    assert payments["carteira"].role is ColumnRole.BTC_ADDRESS
    assert payments["valor"].role is ColumnRole.AMOUNT
    assert "name 'aanvallen'" in mapping.tables["aanvallen"].reason
    assert attacks["tijdstip"].reason == ("name 'tijdstip' + epoch-second values -> time/epoch_s")


def test_renamed_forum_is_recognised_from_names_and_values(tmp_path: Path) -> None:
    mapping = write_raw(tmp_path, forum_renamed()).detect("forum")
    assert mapping.software == "detected"
    tables = mapping.tables
    assert tables["bb_members"].role is TableRole.USERS
    assert tables["bb_messages"].role is TableRole.MESSAGES
    assert tables["bb_topics_posts"].role is TableRole.POSTS
    members = tables["bb_members"].columns
    assert members["member_id"].role is ColumnRole.ACCOUNT_KEY
    assert members["member_name"].role is ColumnRole.USERNAME
    assert members["regip"].format == "ip_binary"
    assert members["regip"].reason == "name 'regip' + 4/16-byte binary values -> ip/ip_binary"
    assert members["contact"].role is ColumnRole.EMAIL  # unknown name, e-mail values
    assert "unknown name 'contact' + e-mail values" in members["contact"].reason
    assert members["birthdate"].format == "date_dmy"
    assert members["date_registered"].role is ColumnRole.REGISTERED_AT
    assert members["last_login"].role is ColumnRole.LAST_SEEN_AT
    assert members["passwd"].role is ColumnRole.PASSWORD_HASH
    assert members["password_salt"].role is ColumnRole.PASSWORD_SALT
    messages = tables["bb_messages"].columns
    assert (messages["sender_id"].role, messages["sender_id"].format) == (ColumnRole.USER_REF, "id")
    assert messages["recipient_id"].role is ColumnRole.RECIPIENT
    assert messages["poster_ip"].format == "ip_binary"
    assert messages["sent"].role is ColumnRole.TIME
    posts = tables["bb_topics_posts"].columns
    assert posts["id_member"].role is ColumnRole.USER_REF
    assert posts["poster_time"].format == "epoch_s"


def _schema(name: str, cols: list[tuple[str, pa.DataType]]) -> TableSchema:
    return TableSchema(name, tuple(Column(c, "varchar(255)", t) for c, t in cols))


def test_secrets_drop_plaintext_and_hash_hashes() -> None:
    cols = [
        ("password", pa.string()),
        ("pass", pa.string()),
        ("salt", pa.string()),
        ("api_key", pa.string()),
        ("blob", pa.string()),
        ("username", pa.string()),
        ("password_changed", pa.timestamp("us")),
        ("pass_ok", pa.int64()),
    ]
    batch = pa.RecordBatch.from_pylist(
        [
            {
                "password": BCRYPT,
                "pass": "hunter2",
                "salt": "ab12",
                "api_key": "x" * 32,
                "blob": "$P$B" + "c" * 30,
                "username": "neo",
                "password_changed": datetime(2020, 1, 1),
                "pass_ok": 1,
            },
            {
                "password": BCRYPT,
                "pass": "letmein",
                "salt": "cd34",
                "api_key": None,
                "blob": "$P$B" + "d" * 30,
                "username": "trin",
                "password_changed": None,
                "pass_ok": 0,
            },
        ],
        schema=pa.schema(cols),
    )
    secrets = column_secrets(_schema("users", cols), batch, None)
    assert secrets == {
        "password": (Secret.HMAC, ColumnRole.PASSWORD_HASH),
        "pass": (Secret.DROP, ColumnRole.PASSWORD_PLAIN),
        "salt": (Secret.HMAC, ColumnRole.PASSWORD_SALT),
        "api_key": (Secret.HMAC, ColumnRole.API_KEY),
        "blob": (Secret.HMAC, ColumnRole.PASSWORD_HASH),  # phpass values, whatever the name
    }


def test_secrets_in_a_login_log_in_other_languages() -> None:
    for name in ("senha", "wachtwoord", "passwort", "pass"):
        cols = [(name, pa.string()), ("ip", pa.string())]
        batch = pa.RecordBatch.from_pylist(
            [{name: "Summer2024!", "ip": "192.0.2.1"}], schema=pa.schema(cols)
        )
        assert column_secrets(_schema("login_logs", cols), batch, None) == {
            name: (Secret.DROP, ColumnRole.PASSWORD_PLAIN)
        }


def test_secrets_follow_an_override_mapping() -> None:
    from intercop.evidence.mapping import ColumnMapping, TableMapping

    cols = [("pw", pa.string()), ("note", pa.string())]
    batch = pa.RecordBatch.from_pylist([{"pw": "a" * 32, "note": "x"}], schema=pa.schema(cols))
    override = TableMapping(
        role=TableRole.USERS,
        columns={"note": ColumnMapping(role=ColumnRole.PASSWORD_PLAIN)},
    )
    assert column_secrets(_schema("t", cols), batch, override) == {
        "pw": (Secret.HMAC, ColumnRole.PASSWORD_HASH),
        "note": (Secret.DROP, ColumnRole.PASSWORD_PLAIN),
    }

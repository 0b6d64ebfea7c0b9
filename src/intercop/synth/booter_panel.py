"""Booter panel A: the English-named layout of a common booter script, as a mysqldump.

``users`` holds no e-mail (it is only in ``payments``); attack and login times are
epoch integers, the rest DATETIME.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import iptocc

from intercop.synth.accounts import Account
from intercop.synth.content import (
    ATTACK_METHODS,
    ATTACK_PORTS,
    PLAN_PRICES,
    PLANS,
    target,
    ticket,
)
from intercop.synth.escaping import SqlValue
from intercop.synth.mysqldump import MysqldumpWriter
from intercop.synth.platforms import PlatformSpec
from intercop.synth.spool import Progress, TableSpool
from intercop.synth.sqltable import SqlColumn as C
from intercop.synth.sqltable import SqlTable
from intercop.synth.truth import AccountTruth

_ID = C("id", "int(11)", nullable=False, auto_increment=True)
_UID = C("user_id", "int(11)", nullable=False)
_BCRYPT = "./" + string.ascii_letters + string.digits

USERS = SqlTable("users", (
    _ID, C("username", "varchar(32)", nullable=False), C("password", "varchar(60)", nullable=False),
    C("plan", "varchar(20)", nullable=False, default="'Free'"), C("expiry", "datetime"),
    C("referrer", "int(11)"), C("api_key", "varchar(64)"),
    C("created", "datetime", nullable=False, default="current_timestamp()"),
    C("banned", "tinyint(1)", nullable=False, default="0"),
), keys=(("username", ("username",), True),))  # fmt: skip
PAYMENTS = SqlTable("payments", (
    _ID, _UID, C("paypal_email", "varchar(255)"), C("txn_id", "varchar(32)"),
    C("amount", "decimal(10,2)", nullable=False), C("currency", "char(3)", default="'EUR'"),
    C("status", "varchar(16)", default="'Completed'"), C("date", "datetime"),
), keys=(("user_id", ("user_id",), False),))  # fmt: skip
LOGIN_LOGS = SqlTable("login_logs", (
    _ID, _UID, C("ip", "varchar(45)", nullable=False), C("country", "char(2)"),
    C("user_agent", "varchar(255)"), C("date", "int(11)", nullable=False),
), keys=(("user_id", ("user_id",), False),))  # fmt: skip
ATTACK_LOGS = SqlTable("attack_logs", (
    _ID, _UID, C("target", "varchar(255)", nullable=False), C("port", "int(5)", default="'0'"),
    C("method", "varchar(32)", nullable=False), C("duration", "int(11)", nullable=False),
    C("date", "int(11)", nullable=False),
), keys=(("user_id", ("user_id",), False), ("date", ("date",), False)))  # fmt: skip
TICKETS = SqlTable("tickets", (
    _ID, _UID, C("subject", "varchar(255)", nullable=False), C("message", "text"),
    C("status", "enum('open','answered','closed')", nullable=False, default="'open'"),
    C("date", "datetime"),
))  # fmt: skip
TABLES = (USERS, PAYMENTS, LOGIN_LOGS, ATTACK_LOGS, TICKETS)


def bcrypt_like(rng: random.Random) -> str:
    """A string shaped like a PHP ``password_hash`` bcrypt hash (not a real one)."""
    return "$2y$10$" + "".join(rng.choices(_BCRYPT, k=53))


def login_ip(rng: random.Random, account: Account, vpn: tuple[str, ...]) -> str:
    """Where this login came from: home, home IPv6, or a shared VPN exit."""
    person = account.person
    if rng.random() < person.vpn_share:
        return vpn[person.vpn_exit % len(vpn)]
    if person.ipv6 is not None and rng.random() < 0.3:
        return person.ipv6
    return rng.choice(person.home_ips)


def moment(rng: random.Random, account: Account) -> datetime:
    """A time inside the account's active life."""
    span = (account.last_active - account.registered_at).total_seconds()
    return account.registered_at + timedelta(seconds=int(rng.random() * max(span, 60)))


def attack_row(rng: random.Random, row_id: int, user_id: int, start: int, span: int) -> str:
    """One ``attack_logs`` row rendered for an extended INSERT."""
    method = ATTACK_METHODS[rng.randrange(len(ATTACK_METHODS))]
    port = ATTACK_PORTS[rng.randrange(len(ATTACK_PORTS))] if rng.random() < 0.8 else 0
    duration = (30, 60, 120, 300, 600, 1200, 3600)[rng.randrange(7)]
    when = start + rng.randrange(max(span, 1))
    return f"({row_id},{user_id},'{target(rng)}',{port},'{method}',{duration},{when})"


def _user_row(rng: random.Random, account: Account) -> tuple[list[SqlValue], bool]:
    """The ``users`` row of an account, and whether it is on a paid plan."""
    plan_index = rng.choices(range(len(PLANS)), (30, 15, 15, 12, 10, 6, 8, 4))[0]
    if account.role == "admin":
        plan_index = len(PLANS) - 1
    paid = plan_index > 0
    created = account.registered_at
    expiry = created + timedelta(days=30 * rng.randint(1, 12)) if paid else None
    uid = account.account_id
    referrer = rng.randrange(1, uid) if uid > 1 and rng.random() < 0.15 else None
    api_key = f"{rng.getrandbits(128):032x}" if paid else None
    return [
        uid, account.username, bcrypt_like(rng), PLANS[plan_index], expiry, referrer, api_key,
        created, 1 if rng.random() < 0.02 else 0,
    ], paid  # fmt: skip


def add_account(
    account: Account,
    spools: dict[str, TableSpool],
    vpn: tuple[str, ...],
) -> None:
    """Add every row of one account to the five table spools of panel A."""
    rng = account.rng("booter")
    uid = account.account_id
    row, paid = _user_row(rng, account)
    spools["users"].add(row)
    activity = account.activity
    pay = spools["payments"]
    for _ in range(1 + int(activity * rng.random() * 2) if paid else 0):
        price = PLAN_PRICES[PLANS.index(str(row[3]))]
        txn = "".join(rng.choices(string.ascii_uppercase + string.digits, k=17))
        pay.add(
            (pay.rows + 1, uid, account.paypal_email, txn, Decimal(f"{price}.00"),
             rng.choice(("EUR", "EUR", "USD", "GBP")), "Completed", moment(rng, account))
        )  # fmt: skip
    logins = spools["login_logs"]
    for _ in range(1 + int(activity * rng.uniform(1, 5))):
        ip = login_ip(rng, account, vpn)
        when = int(moment(rng, account).replace(tzinfo=UTC).timestamp())
        logins.add(
            (logins.rows + 1, uid, ip, iptocc.country_code(ip), account.person.user_agent, when)
        )
    attacks = spools["attack_logs"]
    start = int(account.registered_at.replace(tzinfo=UTC).timestamp())
    span = int((account.last_active - account.registered_at).total_seconds())
    count = int(activity**1.3 * rng.expovariate(1 / 12)) if paid else rng.randrange(3)
    for _ in range(count):
        attacks.add_literal(attack_row(rng, attacks.rows + 1, uid, start, span))
    tickets = spools["tickets"]
    for _ in range(rng.choice((1, 2)) if rng.random() < 0.15 else 0):
        subject, message = ticket(rng, account.language)
        status = rng.choice(("open", "answered", "closed"))
        tickets.add((tickets.rows + 1, uid, subject, message, status, moment(rng, account)))


def write_panel(
    out: Path,
    spec: PlatformSpec,
    accounts: Iterable[Account],
    vpn: tuple[str, ...],
    truth: AccountTruth | None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write booter panel A as a mysqldump file; return the row count of each table."""
    dumped_at = datetime.combine(spec.seized_on, time(6, 12, 44))
    with MysqldumpWriter(out, database=spec.name, dumped_at=dumped_at, progress=progress) as w:
        spools = {t.name: w.table(t) for t in TABLES}
        for account in accounts:
            add_account(account, spools, vpn)
            if truth is not None:
                truth.add(out.name, spec.name, "users", str(account.account_id), account)
        return w.close()

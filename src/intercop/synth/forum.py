"""A MyBB 1.8 forum: users, threads, posts and private messages, as a mysqldump.

IPs are ``varbinary(16)`` holding the 4- or 16-byte packed address, as MyBB's
``my_inet_pton`` stores them; one forum is dumped with ``--hex-blob`` (``0x...``),
another without (raw bytes escaped inside quotes).
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import string
from collections.abc import Iterable
from datetime import UTC, datetime, time
from pathlib import Path

from intercop.synth.accounts import Account
from intercop.synth.booter_panel import login_ip, moment
from intercop.synth.content import NASTY, password, post, text
from intercop.synth.escaping import SqlValue
from intercop.synth.mysqldump import MysqldumpWriter
from intercop.synth.platforms import PlatformSpec
from intercop.synth.spool import Progress, TableSpool
from intercop.synth.sqltable import SqlColumn as C
from intercop.synth.sqltable import SqlTable
from intercop.synth.truth import AccountTruth

_U = "int(10) unsigned"
_S = "smallint(5) unsigned"


def _str(name: str, size: int) -> C:
    return C(name, f"varchar({size})", nullable=False, default="''")


def _num(name: str, kind: str = _U) -> C:
    return C(name, kind, nullable=False, default="0")


def _ip(name: str) -> C:
    return C(name, "varbinary(16)", nullable=False, default="''")


def tables(engine: str) -> tuple[SqlTable, ...]:
    """The four MyBB tables, with the storage engine of this forum."""
    users = SqlTable("mybb_users", (
        C("uid", _U, nullable=False, auto_increment=True), _str("username", 120),
        _str("password", 120), _str("salt", 10), _str("loginkey", 50), _str("email", 220),
        _num("postnum"), _num("threadnum"), _str("avatar", 200), _num("usergroup", _S),
        _str("additionalgroups", 200), _num("displaygroup", _S), _str("usertitle", 250),
        _num("regdate"), _num("lastactive"), _num("lastvisit"), _num("lastpost"),
        _str("website", 200), _str("icq", 10), _str("skype", 75), _str("google", 75),
        _str("birthday", 15), C("birthdayprivacy", "varchar(4)", nullable=False, default="'all'"),
        C("signature", "text", nullable=False), _ip("regip"), _ip("lastip"),
        _str("timezone", 5), _str("language", 50),
    ), primary_key=("uid",), keys=(("username", ("username",), True),
        ("usergroup", ("usergroup",), False), ("regip", ("regip",), False),
        ("lastip", ("lastip",), False)), engine=engine)  # fmt: skip
    threads = SqlTable("mybb_threads", (
        C("tid", _U, nullable=False, auto_increment=True), _num("fid", _S), _str("subject", 120),
        _num("uid"), _str("username", 80), _num("dateline"), _num("firstpost"), _num("replies"),
        _num("views"),
    ), primary_key=("tid",), keys=(("fid", ("fid",), False),), engine=engine)  # fmt: skip
    posts = SqlTable("mybb_posts", (
        C("pid", _U, nullable=False, auto_increment=True), _num("tid"), _num("replyto"),
        _num("fid", _S), _str("subject", 120), _num("icon", _S), _num("uid"),
        _str("username", 80), _num("dateline"), C("message", "text", nullable=False),
        _ip("ipaddress"), _num("includesig", "tinyint(1)"), _num("smilieoff", "tinyint(1)"),
        _num("edituid"), _num("edittime"), _str("editreason", 150),
        _num("visible", "tinyint(1)"),
    ), primary_key=("pid",), keys=(("tid", ("tid", "uid"), False), ("uid", ("uid",), False),
        ("dateline", ("dateline",), False)), engine=engine)  # fmt: skip
    pms = SqlTable("mybb_privatemessages", (
        C("pmid", _U, nullable=False, auto_increment=True), _num("uid"), _num("toid"),
        _num("fromid"), C("recipients", "text", nullable=False), _num("folder", _S),
        _str("subject", 120), _num("icon", _S), C("message", "text", nullable=False),
        _num("dateline"), _num("deletetime"), _num("status", "tinyint(1)"),
        _num("statustime"), _num("includesig", "tinyint(1)"), _num("smilieoff", "tinyint(1)"),
        _num("receipt", "tinyint(1)"), _num("readtime"), _ip("ipaddress"),
    ), primary_key=("pmid",), keys=(("uid", ("uid", "folder"), False),
        ("toid", ("toid",), False)), engine=engine)  # fmt: skip
    return users, threads, posts, pms


def packed(ip: str) -> bytes:
    """The bytes MyBB stores for an address (``my_inet_pton``)."""
    return ipaddress.ip_address(ip).packed


def _epoch(at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).timestamp())


def _md5(value: str) -> str:
    return hashlib.md5(value.encode("utf-8"), usedforsecurity=False).hexdigest()


def _user_row(rng: random.Random, account: Account, vpn: tuple[str, ...]) -> list[SqlValue]:
    person = account.person
    salt = "".join(rng.choices(string.ascii_letters + string.digits, k=8))
    hashed = _md5(_md5(salt) + _md5(password(rng, person.handle)))
    loginkey = "".join(rng.choices(string.ascii_letters + string.digits, k=50))
    b = person.birth_date
    birthday = rng.choice((f"{b.day}-{b.month}-{b.year}", f"{b.day}-{b.month}-{b.year}", ""))
    if birthday and rng.random() < 0.15:
        birthday = f"{b.day}-{b.month}-"  # MyBB lets users hide the year
    group = 4 if account.role == "admin" else rng.choice((2, 2, 2, 2, 5, 3, 7))
    skype = f"live:{person.handle.lower()}" if rng.random() < 0.2 else ""
    icq = str(rng.randrange(10_000_000, 999_999_999)) if rng.random() < 0.05 else ""
    signature = text(rng, rng.choice(("", "", "Discord: " + person.handle, "🔥 leet 🔥")))
    if rng.random() < 0.02:
        signature = rng.choice(NASTY)
    regip = login_ip(rng, account, vpn)
    return [
        account.account_id, account.username, hashed, salt, loginkey, account.email,
        0, 0, "", group, "", 0, "", _epoch(account.registered_at),
        _epoch(account.last_active), _epoch(account.last_active), 0, "", icq, skype,
        person.email if rng.random() < 0.1 else "", birthday, "all", signature,
        packed(regip), packed(login_ip(rng, account, vpn)), "0", "",
    ]  # fmt: skip


def add_account(
    account: Account, spools: dict[str, TableSpool], vpn: tuple[str, ...], fid_count: int
) -> None:
    """Add an account's user row, threads, posts and private messages."""
    rng = account.rng("mybb")
    uid = account.account_id
    spools["mybb_users"].add(_user_row(rng, account, vpn))
    threads, posts, pms = (
        spools["mybb_threads"],
        spools["mybb_posts"],
        spools["mybb_privatemessages"],
    )
    for _ in range(int(account.activity * rng.expovariate(1 / 3))):
        when = _epoch(moment(rng, account))
        ip = packed(login_ip(rng, account, vpn))
        message = post(rng)
        if threads.rows == 0 or rng.random() < 0.25:
            fid = rng.randrange(2, 2 + fid_count)
            subject = text(rng, message[:60].split("\n")[0] or "hi")
            tid, replyto = threads.rows + 1, 0
            threads.add((tid, fid, subject, uid, account.username, when, posts.rows + 1, 0, 0))
        else:
            tid, fid, subject = rng.randrange(1, threads.rows + 1), 2, "RE: thread"
            replyto = rng.randrange(1, posts.rows + 1) if posts.rows else 0
        posts.add(
            (posts.rows + 1, tid, replyto, fid, subject, 0, uid, account.username, when,
             message, ip, 1, 0, 0, 0, "", 1)
        )  # fmt: skip
    for _ in range(int(account.activity * rng.expovariate(1 / 1.5)) if uid > 1 else 0):
        to = rng.randrange(1, uid)
        when = _epoch(moment(rng, account))
        subject = text(rng, rng.choice(("hey", "deal?", "your method", "vouch", "Привет")))
        body = post(rng)
        ip = packed(login_ip(rng, account, vpn))
        recipients = f'a:1:{{s:2:"to";a:1:{{i:0;s:{len(str(to))}:"{to}";}}}}'
        for owner, folder in ((to, 1), (uid, 2)):  # the inbox copy and the sent copy
            pms.add(
                (pms.rows + 1, owner, to, uid, recipients, folder, subject, 0, body, when,
                 0, 1 if folder == 1 else 0, 0, 0, 0, 0, 0, ip)
            )  # fmt: skip


def write_forum(
    out: Path,
    spec: PlatformSpec,
    accounts: Iterable[Account],
    vpn: tuple[str, ...],
    truth: AccountTruth | None,
    progress: Progress | None = None,
    *,
    hex_blob: bool,
) -> dict[str, int]:
    """Write a MyBB forum as a mysqldump file; return the row count of each table."""
    dumped_at = datetime.combine(spec.seized_on, time(4, 3, 2))
    engine = "InnoDB" if hex_blob else "MyISAM"
    with MysqldumpWriter(
        out, database=spec.name, dumped_at=dumped_at, hex_blob=hex_blob, progress=progress
    ) as w:
        spools = {t.name: w.table(t) for t in tables(engine)}
        for account in accounts:
            add_account(account, spools, vpn, fid_count=6)
            if truth is not None:
                truth.add(out.name, spec.name, "mybb_users", str(account.account_id), account)
        return w.close()

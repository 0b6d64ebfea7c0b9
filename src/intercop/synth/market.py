"""Markets: a customer CSV export, and a marketplace database as a plain pg_dump."""

from __future__ import annotations

import csv
import ipaddress
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import phonenumbers

from intercop.synth.accounts import Account
from intercop.synth.booter_panel import bcrypt_like, login_ip, moment
from intercop.synth.content import NASTY, post, text
from intercop.synth.escaping import FILE_ERRORS
from intercop.synth.pgdump import PgDumpWriter, PgTable
from intercop.synth.platforms import PlatformSpec
from intercop.synth.spool import Progress
from intercop.synth.truth import AccountTruth

CSV_COLUMNS = (
    "customer_id", "username", "first_name", "last_name", "email", "phone", "street",
    "postcode", "city", "country", "registered", "orders", "total_spent_eur", "last_order",
    "notes",
)  # fmt: skip
_PRODUCTS = ("Fullz EU", "Netflix 1y", "Spotify premium", "Booter VIP 1m", "RAT builder",
             "Crypter FUD", "Combo list 10k", "Discord nitro", "Fortnite account OG")  # fmt: skip
_FORMATS = (phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            phonenumbers.PhoneNumberFormat.NATIONAL)  # fmt: skip


def _phone(account: Account, style: int) -> str:
    """The person's phone as typed into a shop form: E.164, international or national."""
    number = phonenumbers.parse(account.person.phone)
    return phonenumbers.format_number(number, _FORMATS[style % len(_FORMATS)])


def write_customers_csv(
    out: Path,
    spec: PlatformSpec,
    accounts: Iterable[Account],
    truth: AccountTruth | None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the market's customer export as CSV (RFC 4180 quoting, CRLF is not used)."""
    rows = 0
    with out.open("w", encoding="utf-8", errors=FILE_ERRORS, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for a in accounts:
            rng = a.rng("market-csv")
            p = a.person
            orders = int(a.activity * rng.expovariate(1 / 3))
            last = moment(rng, a) if orders else None
            note = rng.choice(NASTY) if rng.random() < 0.05 else ""
            street = p.street if rng.random() < 0.9 else f"{p.street}\nApt {rng.randrange(1, 40)}"
            row = (
                a.account_id, a.username, p.given_name, p.family_name, a.email,
                _phone(a, rng.randrange(3)) if rng.random() < 0.8 else "", street,
                p.postcode, p.city, p.country, f"{a.registered_at:%Y-%m-%d %H:%M:%S}", orders,
                f"{orders * rng.uniform(5, 80):.2f}", f"{last:%d/%m/%Y}" if last else "", note,
            )  # fmt: skip
            writer.writerow(row)
            rows += 1
            if progress is not None:
                progress(120)
            if truth is not None:
                truth.add(out.name, spec.name, "customers", str(a.account_id), a)
    return {"customers": rows}


USERS = PgTable("users", (
    ("id", "integer", True), ("username", "character varying(64)", True),
    ("email", "character varying(255)", False), ("password_hash", "text", True),
    ("jabber", "text", False), ("btc_address", "character varying(100)", False),
    ("country", "character(2)", False), ("birth_year", "smallint", False),
    ("avatar", "bytea", False), ("last_login_ip", "inet", False),
    ("created_at", "timestamp with time zone", True), ("is_vendor", "boolean", True),
))  # fmt: skip
ORDERS = PgTable("orders", (
    ("id", "integer", True), ("buyer_id", "integer", True), ("product", "text", True),
    ("amount", "numeric(12,2)", True), ("currency", "character varying(8)", True),
    ("btc_txid", "character(64)", False), ("shipping_address", "text", False),
    ("created_at", "timestamp with time zone", True),
))  # fmt: skip
MESSAGES = PgTable("messages", (
    ("id", "integer", True), ("sender_id", "integer", True), ("recipient_id", "integer", True),
    ("body", "text", True), ("sender_ip", "inet", False),
    ("created_at", "timestamp with time zone", True),
))  # fmt: skip


def write_market_pgdump(
    out: Path,
    spec: PlatformSpec,
    accounts: Iterable[Account],
    vpn: tuple[str, ...],
    truth: AccountTruth | None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write a marketplace database as a plain pg_dump; return the row count of each table."""
    with PgDumpWriter(out, owner=spec.name, progress=progress) as w:
        users, orders, messages = w.table(USERS), w.table(ORDERS), w.table(MESSAGES)
        for a in accounts:
            rng = a.rng("market-pg")
            p = a.person
            avatar = rng.randbytes(rng.randrange(8, 40)) if rng.random() < 0.3 else None
            ip = login_ip(rng, a, vpn)
            users.add(
                (a.account_id, a.username, a.email if rng.random() < 0.85 else None,
                 bcrypt_like(rng), p.jabber if rng.random() < 0.3
                 else None, p.btc_address if rng.random() < 0.6 else None, p.country,
                 p.birth_date.year if rng.random() < 0.4 else None, avatar,
                 str(ipaddress.ip_address(ip)), a.registered_at, a.role == "admin")
            )  # fmt: skip
            for _ in range(int(a.activity * rng.expovariate(1 / 2))):
                shipping = f"{p.given_name} {p.family_name}\n{p.street}\n{p.postcode} {p.city}"
                orders.add(
                    (orders.rows + 1, a.account_id, rng.choice(_PRODUCTS),
                     Decimal(f"{rng.uniform(3, 300):.2f}"), "EUR",
                     f"{rng.getrandbits(256):064x}",
                     shipping if rng.random() < 0.4 else None, moment(rng, a))
                )  # fmt: skip
            for _ in range(int(a.activity * rng.expovariate(1)) if a.account_id > 1 else 0):
                when = moment(rng, a) + timedelta(seconds=1)
                messages.add(
                    (messages.rows + 1, a.account_id, rng.randrange(1, a.account_id),
                     text(rng, post(rng)).replace("\x00", ""), login_ip(rng, a, vpn), when)
                )  # fmt: skip
            if truth is not None:
                truth.add(out.name, spec.name, "users", str(a.account_id), a)
        return w.close()

"""Booter panel B: a Dutch/Portuguese-named panel exported with phpMyAdmin.

Its users carry e-mail and last IP; its login history also holds the password the
user typed (``wachtwoord_poging``), a secret the ingest must drop; it is paid in
crypto-currency with sender and deposit addresses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from intercop.synth.accounts import Account
from intercop.synth.bitcoin import btc_address
from intercop.synth.booter_panel import login_ip, moment
from intercop.synth.content import ATTACK_METHODS, ATTACK_PORTS, PLAN_PRICES, PLANS, password
from intercop.synth.content import target as attack_target
from intercop.synth.phpmyadmin import PhpMyAdminWriter
from intercop.synth.platforms import PlatformSpec
from intercop.synth.spool import Progress, TableSpool
from intercop.synth.sqltable import SqlColumn as C
from intercop.synth.sqltable import SqlTable
from intercop.synth.truth import AccountTruth

_ID = C("id", "int(11)", nullable=False, auto_increment=True)

GEBRUIKERS = SqlTable("gebruikers", (
    _ID, C("gebruikersnaam", "varchar(50)", nullable=False), C("email", "varchar(191)"),
    C("wachtwoord", "varchar(255)", nullable=False), C("laatste_ip", "varchar(45)"),
    C("registratiedatum", "datetime", nullable=False), C("abonnement", "varchar(30)"),
    C("saldo", "decimal(10,2)", nullable=False, default="0.00"), C("taal", "char(2)"),
), keys=(("gebruikersnaam", ("gebruikersnaam",), True), ("email", ("email",), False)))  # fmt: skip
INLOG = SqlTable("inlog_geschiedenis", (
    _ID, C("gebruiker_id", "int(11)", nullable=False), C("ip_adres", "varchar(45)"),
    C("wachtwoord_poging", "varchar(255)"), C("gelukt", "tinyint(1)", nullable=False, default="1"),
    C("tijdstip", "datetime", nullable=False),
), keys=(("gebruiker_id", ("gebruiker_id",), False),))  # fmt: skip
AANVALLEN = SqlTable("aanvallen", (
    _ID, C("gebruiker_id", "int(11)", nullable=False), C("doel", "varchar(255)", nullable=False),
    C("poort", "smallint(5) unsigned"), C("methode", "varchar(32)"), C("duur", "int(11)"),
    C("tijd", "int(10) unsigned", nullable=False),
), keys=(("gebruiker_id", ("gebruiker_id",), False),))  # fmt: skip
PAGAMENTOS = SqlTable("pagamentos_cripto", (
    _ID, C("usuario_id", "int(11)", nullable=False), C("moeda", "varchar(8)", nullable=False),
    C("endereco_remetente", "varchar(100)"), C("endereco_deposito", "varchar(100)"),
    C("valor", "decimal(16,8)", nullable=False), C("valor_eur", "decimal(10,2)"),
    C("txid", "char(64)"), C("estado", "varchar(20)"), C("criado_em", "datetime"),
), keys=(("usuario_id", ("usuario_id",), False),))  # fmt: skip
TABLES = (GEBRUIKERS, INLOG, AANVALLEN, PAGAMENTOS)


def add_account(account: Account, spools: dict[str, TableSpool], vpn: tuple[str, ...]) -> None:
    """Add every row of one account to the four tables of panel B."""
    rng = account.rng("booter-b")
    uid = account.account_id
    plan = rng.choices(range(len(PLANS)), (30, 15, 15, 12, 10, 6, 8, 4))[0]
    typed = password(rng, account.person.handle)
    stored = hashlib.sha256(f"{account.key}:{typed}".encode()).hexdigest()
    last_ip = login_ip(rng, account, vpn)
    spools["gebruikers"].add(
        (uid, account.username, account.email, stored, last_ip, account.registered_at,
         PLANS[plan] if plan else None, Decimal(f"{rng.randrange(0, 5000) / 100:.2f}"),
         account.language[:2])
    )  # fmt: skip
    logins = spools["inlog_geschiedenis"]
    for _ in range(1 + int(account.activity * rng.uniform(1, 4))):
        ok = rng.random() < 0.85
        attempt = typed if ok else password(rng, account.person.handle)
        when = moment(rng, account)
        logins.add(
            (logins.rows + 1, uid, login_ip(rng, account, vpn), attempt, 1 if ok else 0, when)
        )
    attacks = spools["aanvallen"]
    start = int((account.registered_at - datetime(1970, 1, 1)).total_seconds())
    span = max(1, int((account.last_active - account.registered_at).total_seconds()))
    for _ in range(int(account.activity**1.2 * rng.expovariate(1 / 8)) if plan else 1):
        attacks.add(
            (attacks.rows + 1, uid, attack_target(rng), rng.choice(ATTACK_PORTS),
             rng.choice(ATTACK_METHODS), rng.choice((60, 120, 300, 600)),
             start + rng.randrange(span))
        )  # fmt: skip
    pay = spools["pagamentos_cripto"]
    for _ in range(rng.randint(1, 3) if plan else 0):
        coin = rng.choice(("BTC", "BTC", "BTC", "LTC", "XMR"))
        eur = PLAN_PRICES[plan]
        pay.add(
            (pay.rows + 1, uid, coin,
             account.person.btc_address if coin == "BTC" else None,
             btc_address(rng) if coin == "BTC" else None,
             Decimal(f"{eur / 38000:.8f}"), Decimal(f"{eur}.00"),
             f"{rng.getrandbits(256):064x}", rng.choice(("confirmado", "pendente")),
             moment(rng, account))
        )  # fmt: skip


def write_export(
    out: Path,
    spec: PlatformSpec,
    accounts: Iterable[Account],
    vpn: tuple[str, ...],
    truth: AccountTruth | None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write booter panel B as a phpMyAdmin export; return the row count of each table."""
    exported = datetime.combine(spec.seized_on, time(5, 41)) + timedelta(hours=1)
    with PhpMyAdminWriter(out, database=spec.name, exported_at=exported, progress=progress) as w:
        spools = {t.name: w.table(t) for t in TABLES}
        for account in accounts:
            add_account(account, spools, vpn)
            if truth is not None:
                truth.add(out.name, spec.name, "gebruikers", str(account.account_id), account)
        return w.close()

"""Column roles from a column's name concept, its sampled values and its table's role.

Rules read top to bottom; each returns the role, the value format and the reason a
person can check ("name 'regip' + 4/16-byte binary values -> ip/ip_binary").
"""

from __future__ import annotations

from dataclasses import dataclass

from intercop.evidence.detect_names import Concept, column_concept, compact, is_birth_year_name
from intercop.evidence.detect_values import Profile
from intercop.evidence.mapping import ColumnMapping, ColumnRole, TableRole

_CONTACTS = {
    Concept.DISCORD: "discord",
    Concept.TELEGRAM: "telegram",
    Concept.SKYPE: "skype",
    Concept.JABBER: "jabber",
}
_SECRET_ROLES = {
    "password_hash": Concept.PASSWORD,
    "password_salt": Concept.SALT,
    "api_key": Concept.API_KEY,
}
_IDENTIFYING = {Concept.EMAIL, Concept.IP, Concept.BTC}
_PLAIN = {
    Concept.PHONE: ColumnRole.PHONE,
    Concept.COUNTRY: ColumnRole.COUNTRY,
    Concept.USER_AGENT: ColumnRole.USER_AGENT,
    Concept.PAYPAL: ColumnRole.PAYPAL_EMAIL,
    Concept.SALT: ColumnRole.PASSWORD_SALT,
    Concept.API_KEY: ColumnRole.API_KEY,
}
_USERS_ONLY = {
    Concept.FIRST_NAME: ColumnRole.FIRST_NAME,
    Concept.LAST_NAME: ColumnRole.LAST_NAME,
    Concept.DISPLAY_NAME: ColumnRole.DISPLAY_NAME,
    Concept.ADDRESS: ColumnRole.ADDRESS,
    Concept.POSTCODE: ColumnRole.POSTCODE,
    Concept.LOCALITY: ColumnRole.LOCALITY,
    Concept.REGION: ColumnRole.REGION,
    Concept.NATIONAL_ID: ColumnRole.NATIONAL_ID,
    Concept.ROLE: ColumnRole.ROLE,
}
_PAYMENTS_ONLY = {
    Concept.PAYMENT_REF: ColumnRole.PAYMENT_REF,
    Concept.AMOUNT: ColumnRole.AMOUNT,
    Concept.CURRENCY: ColumnRole.CURRENCY,
}
_OTHER_FORMATS = {
    Concept.STATUS: "status",
    Concept.EXPIRY: "expiry",
    Concept.PLAN: "plan",
    Concept.REFERRER: "referrer",
}
_TEXT_TABLES = {TableRole.POSTS, TableRole.MESSAGES, TableRole.TICKETS}


@dataclass
class Evidence:
    """A column's name concept and value profile, before its role is chosen."""

    name: str
    concept: Concept | None
    why: str
    profile: Profile
    by_value: bool = False


def evidence(name: str, p: Profile) -> Evidence:
    """Concept of a column from its name, checked against (or found from) its values."""
    if p.secret_role in _SECRET_ROLES:
        why = f"keyed-hash column ({p.secret_role})"
        return Evidence(name, _SECRET_ROLES[p.secret_role], why, p, by_value=True)
    found = column_concept(name)
    if found is not None:
        concept, why = found
        if concept in _IDENTIFYING and p.count and not _values_fit(concept, p):
            value = _by_values(p)
            if value is None:
                return Evidence(name, None, f"{why} but values do not fit", p)
            return Evidence(name, value[0], f"{why}, values: {value[1]}", p, by_value=True)
        return Evidence(name, concept, why, p)
    value = _by_values(p)
    if value is None:
        return Evidence(name, None, f"name '{name}' not recognised", p)
    return Evidence(name, value[0], f"unknown name '{name}' + {value[1]}", p, by_value=True)


def _values_fit(concept: Concept, p: Profile) -> bool:
    if concept is Concept.EMAIL:
        return p.share.get("email", 0) >= 0.5
    if concept is Concept.IP:
        return p.kind == "int" or p.share.get("ip", 0) >= 0.5 or p.share.get("ip_packed", 0) >= 0.5
    return p.share.get("btc", 0) >= 0.5


def _by_values(p: Profile) -> tuple[Concept, str] | None:
    """Concept shown by the values alone, for columns with unknown names."""
    if p.kind == "binary" and p.most("ip_packed"):
        return Concept.IP, "4/16-byte binary values"
    rules = (
        ("email", Concept.EMAIL, "e-mail values"),
        ("crypt", Concept.PASSWORD, "crypt/bcrypt hash values"),
        ("ip", Concept.IP, "IP address values"),
        ("btc", Concept.BTC, "bitcoin address values"),
        ("user_agent", Concept.USER_AGENT, "user-agent values"),
        ("phone", Concept.PHONE, "phone-number values"),
    )
    for pattern, concept, why in rules:
        if p.most(pattern) and not (pattern == "btc" and p.most("digits")):
            return concept, why
    if p.is_datetime:
        return Concept.TIME, "date-time values"
    if p.is_epoch_s:
        return Concept.TIME, "epoch-second values"
    if p.most("long"):
        return Concept.TEXT, "long text values"
    return None


def time_format(p: Profile) -> tuple[str | None, str]:
    """Value format of a time column and its description."""
    if p.kind == "int" or p.kind == "float":
        if p.most("ymd") and not p.is_epoch_s:
            return "date_ymd", "YYYYMMDD values"
        if p.is_epoch_ms and not p.is_epoch_s:
            return "epoch_ms", "epoch-millisecond values"
        return "epoch_s", "epoch-second values"
    if p.kind == "timestamp":
        return "datetime", "DATETIME values"
    if p.kind == "date" or p.most("date"):
        return "date", "date values"
    if p.most("dmy"):
        return "date_dmy", "d-m-Y values"
    if p.most("ymd"):
        return "date_ymd", "YYYYMMDD values"
    if p.most("datetime"):
        return "datetime", "date-time text"
    if p.most("digits"):
        return "epoch_s", "epoch-second text"
    return "datetime", "no values to check; read as date-time"


def ip_format(p: Profile) -> tuple[str, str]:
    if p.kind == "binary":
        return "ip_binary", "4/16-byte binary values"
    if p.kind == "int":
        return "ip_int", "integer values"
    return "ip_text", "IP text values"


def ref_format(p: Profile) -> tuple[str, str]:
    if p.kind in ("int", "decimal") or p.most("digits"):
        return "id", "numeric values"
    return "username", "text values"


def _result(
    e: Evidence, role: ColumnRole, fmt: str | None = None, values: str = "", note: str = ""
) -> ColumnMapping:
    why = e.why + (f" + {values}" if values and not e.by_value else "")
    target = role.value + (f"/{fmt}" if fmt else "")
    return ColumnMapping(role=role, format=fmt, reason=f"{why} -> {target}{note}")


def column_role(e: Evidence, table: TableRole, ctx: TableContext) -> ColumnMapping:
    """The role of one column, given its table's role and its neighbours."""
    c, p = e.concept, e.profile
    if c is None:
        return ColumnMapping(role=ColumnRole.OTHER, reason=e.why)
    is_users = table is TableRole.USERS
    if c in (Concept.ROW_ID, Concept.USER_ID):
        if is_users:
            if e.name == ctx.account_key:
                return _result(e, ColumnRole.ACCOUNT_KEY, note=" (the account's key)")
            if c is Concept.USER_ID and ref_format(p)[0] == "username":
                return _result(e, ColumnRole.USERNAME, values="text values")
            return _result(e, ColumnRole.OTHER, note=" (not the key)")
        if c is Concept.ROW_ID:
            return _result(e, ColumnRole.OTHER, note=" (row key)")
        if e.name in ctx.owners:
            return _result(
                e, ColumnRole.OTHER, note=f" (mailbox owner; {ctx.sender} is the sender)"
            )
        fmt, values = ref_format(p)
        return _result(e, ColumnRole.USER_REF, fmt, values)
    if c is Concept.USERNAME:
        if is_users:
            return _result(e, ColumnRole.USERNAME)
        return _result(e, ColumnRole.USER_REF, "username", note=" (user by name)")
    if c is Concept.EMAIL:
        if table is TableRole.PAYMENTS:
            return _result(e, ColumnRole.PAYPAL_EMAIL, values="e-mail values", note=" (payer)")
        return _result(e, ColumnRole.EMAIL, values="e-mail values")
    if c is Concept.PASSWORD:
        if p.secret_role == "password_hash" or p.most("hash"):
            return _result(e, ColumnRole.PASSWORD_HASH, values="hash values")
        return _result(e, ColumnRole.PASSWORD_PLAIN, values="plaintext values", note=" (dropped)")
    if c in _PLAIN:
        return _result(e, _PLAIN[c])
    if c is Concept.IP:
        fmt, values = ip_format(p)
        if table is TableRole.ATTACKS and not ctx.has_host:
            return _result(e, ColumnRole.TARGET, fmt, values, note=" (victim: third-party data)")
        return _result(e, ColumnRole.IP, fmt, values)
    if c is Concept.HOST:
        if table is TableRole.ATTACKS:
            return _result(e, ColumnRole.TARGET, note=" (victim: third-party data)")
        return _result(e, ColumnRole.OTHER, note=" (outside an attack log)")
    if c is Concept.PORT and table is TableRole.ATTACKS:
        return _result(e, ColumnRole.TARGET_PORT)
    if c is Concept.METHOD and table in (TableRole.ATTACKS, TableRole.PAYMENTS):
        return _result(e, ColumnRole.METHOD)
    if c is Concept.DURATION and table is TableRole.ATTACKS:
        return _result(e, ColumnRole.DURATION)
    if c in (Concept.TIME, Concept.REGISTERED, Concept.LAST_SEEN):
        return _time_role(e, table, ctx)
    if c is Concept.BIRTH:
        if _is_year_column(e):
            return _result(e, ColumnRole.BIRTH_DATE, "year", "year values")
        when, values = time_format(p)
        return _result(e, ColumnRole.BIRTH_DATE, when, values)
    if c is Concept.BTC:
        return _result(e, ColumnRole.BTC_ADDRESS)
    if c in _CONTACTS:
        return _result(e, ColumnRole.CONTACT, _CONTACTS[c])
    if c in _USERS_ONLY and is_users:
        flag = "flag" if c is Concept.ROLE and p.kind == "bool" else None
        return _result(e, _USERS_ONLY[c], flag)
    if c in _PAYMENTS_ONLY and table is TableRole.PAYMENTS:
        cents = "cents" if c is Concept.AMOUNT and "cent" in e.name.lower() else None
        return _result(e, _PAYMENTS_ONLY[c], cents)
    if c in (Concept.TEXT, Concept.SUBJECT) and table in _TEXT_TABLES:
        return _result(e, ColumnRole.TEXT, "subject" if c is Concept.SUBJECT else None)
    if c is Concept.RECIPIENT and table is TableRole.MESSAGES:
        return _result(e, ColumnRole.RECIPIENT, note=" (third-party data)")
    if c is Concept.STATUS and is_users and ctx.has_address and _is_region_name(e.name):
        # "state" beside a street and a postcode is the state of an address
        return _result(e, ColumnRole.REGION, note=" (beside address columns)")
    if c in _OTHER_FORMATS:
        return _result(e, ColumnRole.OTHER, _OTHER_FORMATS[c])
    return _result(e, ColumnRole.OTHER, note=f" (a {c.value} is not used in a {table.value} table)")


def _is_region_name(name: str) -> bool:
    return compact(name) in ("state", "estado", "etat")


def _is_year_column(e: Evidence) -> bool:
    """Whether a birth column holds years (2007), not dates or epochs read from 1970."""
    p = e.profile
    if p.most("year"):
        return True
    # named so, and no epoch: 0 or "unknown" placeholders do not hide the years
    years = p.count == 0 or p.kind == "int" or p.share.get("year", 0.0) >= 0.5
    return is_birth_year_name(e.name) and years and not p.is_epoch_s


def _time_role(e: Evidence, table: TableRole, ctx: TableContext) -> ColumnMapping:
    c, p = e.concept, e.profile
    fmt, values = time_format(p)
    if table is TableRole.ATTACKS and p.kind == "int" and p.most("small") and not p.is_epoch_s:
        return _result(e, ColumnRole.DURATION, values="small integers (seconds)")
    if table is TableRole.USERS:
        if c is Concept.LAST_SEEN:
            return _result(e, ColumnRole.LAST_SEEN_AT, fmt, values)
        if e.name == ctx.registered:
            return _result(e, ColumnRole.REGISTERED_AT, fmt, values)
        return _result(e, ColumnRole.OTHER, fmt, values, note=" (another time of the account)")
    if e.name == ctx.time:
        return _result(e, ColumnRole.TIME, fmt, values)
    return _result(e, ColumnRole.OTHER, fmt, values, note=f" ({ctx.time} is the event time)")


@dataclass
class TableContext:
    """Facts about a table's columns that change how one column is read."""

    account_key: str | None = None
    registered: str | None = None
    time: str | None = None
    has_host: bool = False
    sender: str | None = None
    owners: frozenset[str] = frozenset()
    has_address: bool = False  # a street, postcode or locality column is in the table

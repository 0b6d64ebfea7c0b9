"""SQL of the canonical tables, one SELECT per source table (and column) that feeds them.

``Parts`` turns a mapping into SELECTs over the raw views; ``canonical`` unions and
writes them. Each source table gets a *base* view: its rows plus ``__account_key``
(the account, found by id and else by username, exact then normalised) and
``__user_ref`` (the raw reference, kept in event details when no account matches).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from intercop.evidence.canonical_norm import Lookups, ip_lookup
from intercop.evidence.canonical_sql import (
    address_expr,
    amount_expr,
    as_text,
    date_expr,
    duration_expr,
    ident,
    is_blob,
    is_numeric,
    literal,
    place_expr,
    raw_text,
    role_expr,
    time_expr,
    year_expr,
)
from intercop.evidence.mapping import ColumnMapping, ColumnRole, Mapping, TableMapping, TableRole

#: identifier kind and lookup per column role (None: kept as written)
_IDENTIFIER_ROLES: dict[ColumnRole, tuple[str, str | None]] = {
    ColumnRole.EMAIL: ("email", "email"),
    ColumnRole.PAYPAL_EMAIL: ("paypal_email", "email"),
    ColumnRole.PHONE: ("phone", "phone"),
    ColumnRole.BTC_ADDRESS: ("btc_address", "btc"),
    ColumnRole.PAYMENT_REF: ("payment_ref", None),
    ColumnRole.PASSWORD_HASH: ("password_hash", None),
    ColumnRole.API_KEY: ("api_key", None),
    ColumnRole.USER_AGENT: ("user_agent", None),
}
_CONTACT_KINDS = ("discord", "telegram", "skype", "jabber")
#: identifier kinds of where a person lives and who they are, normalised in SQL
_PLACE_ROLES = {
    ColumnRole.POSTCODE: "postcode",
    ColumnRole.LOCALITY: "locality",
    ColumnRole.REGION: "region",
    ColumnRole.NATIONAL_ID: "national_id",
}
_EVENT_KINDS = {
    TableRole.LOGINS: "login",
    TableRole.ATTACKS: "attack",
    TableRole.PAYMENTS: "payment",
    TableRole.POSTS: "post",
    TableRole.MESSAGES: "message",
    TableRole.TICKETS: "ticket",
}
_DETAIL_FORMATS = ("status", "folder", "plan")
_EXCERPT = 280

_Expr = Callable[[str, str, ColumnMapping], str]


@dataclass
class Source:
    """One raw table as a DuckDB view, with its mapping and column types."""

    table: str
    view: str
    base: str
    mapping: TableMapping
    types: dict[str, str]
    primary_key: tuple[str, ...] = ()
    _cols: dict[ColumnRole, list[tuple[str, ColumnMapping]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, cm in self.mapping.columns.items():
            if name in self.types:  # dropped secrets and typos are simply absent
                self._cols.setdefault(cm.role, []).append((name, cm))

    def cols(self, role: ColumnRole) -> list[tuple[str, ColumnMapping]]:
        return self._cols.get(role, [])

    def col(self, role: ColumnRole) -> tuple[str, ColumnMapping] | None:
        found = self.cols(role)
        return found[0] if found else None

    def type(self, name: str) -> str:
        return self.types[name]

    def key_column(self) -> str | None:
        """The column naming a row: the primary key, else an ``id`` column."""
        pk = [c for c in self.primary_key if c in self.types]
        if len(pk) == 1:
            return pk[0]
        return next((c for c in self.types if c.lower() == "id"), None)

    def row_key(self, row: str) -> str:
        """The source row's key as text (primary key, ``id`` or row number)."""
        pk = [c for c in self.primary_key if c in self.types]
        if len(pk) > 1:
            return "concat_ws(',', " + ", ".join(f"{row}.{ident(c)}" for c in pk) + ")"
        key = self.key_column()
        if key is not None:
            return f"CAST({row}.{ident(key)} AS VARCHAR)"
        return f"'row ' || CAST({row}.file_row_number + 1 AS VARCHAR)"


class Parts:
    """The SELECTs of one canonical build."""

    def __init__(
        self,
        sources: list[Source],
        mapping: Mapping,
        lookups: Lookups,
        *,
        dataset_id: str,
        platform: str,
    ) -> None:
        self.sources = sources
        self.mapping = mapping
        self.lookups = lookups
        self.ds = literal(dataset_id)
        self.platform = literal(platform)
        self.users = [s for s in sources if s.mapping.role is TableRole.USERS]
        booter = any(s.mapping.role in (TableRole.ATTACKS, TableRole.PAYMENTS) for s in sources)
        self.default_role = "customer" if booter else "unknown"

    # -- shared expressions -------------------------------------------------------------

    def _tz(self, cm: ColumnMapping) -> str | None:
        return cm.timezone or self.mapping.timezone

    def _time(self, s: Source, row: str, role: ColumnRole) -> str:
        found = s.col(role)
        if found is None:
            return "CAST(NULL AS TIMESTAMPTZ)"
        name, cm = found
        return time_expr(f"{row}.{ident(name)}", s.type(name), cm, self._tz(cm))

    def _account_key(self, s: Source, row: str) -> str:
        for role in (ColumnRole.ACCOUNT_KEY, ColumnRole.USERNAME):
            found = s.col(role)
            if found is not None:
                return as_text(f"{row}.{ident(found[0])}", s.type(found[0]))
        return s.row_key(row)

    def _text(self, s: Source, row: str, role: ColumnRole) -> str:
        found = s.col(role)
        if found is None:
            return "CAST(NULL AS VARCHAR)"
        return as_text(f"{row}.{ident(found[0])}", s.type(found[0]))

    def _ip(self, s: Source, row: str, name: str, alias: str, joins: list[str]) -> str:
        t = s.type(name)
        joins.append(self.lookups.join(ip_lookup(t), s.view, row, ident(name), t, alias))
        return f"{alias}.value"

    # -- accounts -----------------------------------------------------------------------

    def accounts(self) -> list[str]:
        """One SELECT per users table."""
        out = []
        for s in self.users:
            joins: list[str] = []
            email = "CAST(NULL AS VARCHAR)"
            found = s.col(ColumnRole.EMAIL)
            if found is not None:
                col, t = ident(found[0]), s.type(found[0])
                joins.append(self.lookups.join("email", s.view, "t", col, t, "ne"))
                email = "ne.value"
            birth = "CAST(NULL AS DATE)"
            # a birth year is no date: it goes to the identifiers (kind birth_year)
            dates = [c for c in s.cols(ColumnRole.BIRTH_DATE) if c[1].format != "year"]
            if dates:
                name, cm = dates[0]
                birth = date_expr(f"t.{ident(name)}", s.type(name), cm)
            role = literal(self.default_role)
            if (r := s.col(ColumnRole.ROLE)) is not None:
                role = role_expr(f"t.{ident(r[0])}", s.type(r[0]), r[1], self.default_role)
            country = self._text(s, "t", ColumnRole.COUNTRY)
            out.append(
                f"SELECT {self.ds} AS dataset_id, {self._account_key(s, 't')} AS account_key, "
                f"{self.platform} AS platform, "
                f"{self._text(s, 't', ColumnRole.USERNAME)} AS username, "
                f"{email} AS email, {self._text(s, 't', ColumnRole.DISPLAY_NAME)} AS display_name, "
                f"{self._text(s, 't', ColumnRole.FIRST_NAME)} AS first_name, "
                f"{self._text(s, 't', ColumnRole.LAST_NAME)} AS last_name, {birth} AS birth_date, "
                f"{self._text(s, 't', ColumnRole.PHONE)} AS phone, "
                f"upper({country}) AS country_claimed, "
                f"{self._time(s, 't', ColumnRole.REGISTERED_AT)} AS registered_at, "
                f"{self._time(s, 't', ColumnRole.LAST_SEEN_AT)} AS last_seen_at, "
                f"{role} AS role, {literal(s.table)} AS source_table "
                f"FROM {s.view} AS t {' '.join(joins)}"
            )
        return out

    def account_index(self) -> list[str]:
        """Tables finding an account by key, by exact username, by normalised username."""
        parts = []
        for s in self.users:
            name = s.col(ColumnRole.USERNAME)
            uname, norm, joins = "CAST(NULL AS VARCHAR)", "CAST(NULL AS VARCHAR)", ""
            if name is not None:
                col, t = ident(name[0]), s.type(name[0])
                uname = as_text(f"t.{col}", t)
                joins = self.lookups.join("username", s.view, "t", col, t, "nu")
                norm = "nu.value"
            parts.append(
                f"SELECT {self._account_key(s, 't')} AS account_key, {uname} AS uname, "
                f"{norm} AS uname_norm FROM {s.view} AS t {joins}"
            )
        body = " UNION ALL ".join(parts) or (
            "SELECT NULL::VARCHAR AS account_key, NULL::VARCHAR AS uname, "
            "NULL::VARCHAR AS uname_norm WHERE false"
        )
        return [
            f"CREATE TEMP TABLE acct AS {body}",
            "CREATE TEMP TABLE acct_ids AS SELECT DISTINCT account_key FROM acct "
            "WHERE account_key IS NOT NULL",
            "CREATE TEMP TABLE acct_exact AS SELECT uname, min(account_key) AS account_key "
            "FROM acct WHERE uname IS NOT NULL GROUP BY uname "
            "HAVING count(DISTINCT account_key) = 1",
            # a namesake inside one dataset (case or width variants) is ambiguous: no link
            "CREATE TEMP TABLE acct_norm AS SELECT uname_norm, min(account_key) AS account_key "
            "FROM acct WHERE uname_norm IS NOT NULL GROUP BY uname_norm "
            "HAVING count(DISTINCT account_key) = 1",
        ]

    def bases(self) -> list[str]:
        """One view per source: its rows with ``__account_key`` and ``__user_ref``."""
        out = []
        for s in self.sources:
            joins: list[str] = []
            if s.mapping.role is TableRole.USERS:
                key, ref = self._account_key(s, "t"), "CAST(NULL AS VARCHAR)"
            else:
                key, ref, joins = self._resolve(s)
            out.append(
                f"CREATE TEMP VIEW {s.base} AS SELECT t.*, {key} AS __account_key, "
                f"{ref} AS __user_ref FROM {s.view} AS t {' '.join(joins)}"
            )
        return out

    def _resolve(self, s: Source) -> tuple[str, str, list[str]]:
        refs = s.cols(ColumnRole.USER_REF)
        by_id = [(n, cm) for n, cm in refs if _ref_format(cm, s.type(n)) == "id"]
        by_name = [(n, cm) for n, cm in refs if _ref_format(cm, s.type(n)) == "username"]
        keys, raws, joins = [], [], []
        if by_id:
            col = f"t.{ident(by_id[0][0])}"
            joins.append(f"LEFT JOIN acct_ids AS a1 ON a1.account_key = CAST({col} AS VARCHAR)")
            keys.append("a1.account_key")
            raws.append(f"CAST({col} AS VARCHAR)")
        if by_name:
            name, t = ident(by_name[0][0]), s.type(by_name[0][0])
            col = f"t.{name}"
            joins.append(f"LEFT JOIN acct_exact AS a2 ON a2.uname = {as_text(col, t)}")
            joins.append(self.lookups.join("username", s.view, "t", name, t, "nr"))
            joins.append("LEFT JOIN acct_norm AS a3 ON a3.uname_norm = nr.value")
            keys += ["a2.account_key", "a3.account_key"]
            raws.append(as_text(col, t))
        if not keys:
            return "CAST(NULL AS VARCHAR)", "CAST(NULL AS VARCHAR)", []
        return f"COALESCE({', '.join(keys)})", f"COALESCE({', '.join(raws)})", joins

    # -- identifiers --------------------------------------------------------------------

    def identifiers(self) -> list[str]:
        """Identifier occurrences of every source, aggregated per account, kind and value."""
        parts = []
        for s in self.sources:
            if s.mapping.role is TableRole.USERS:
                reg = self._time(s, "b", ColumnRole.REGISTERED_AT)
                last = self._time(s, "b", ColumnRole.LAST_SEEN_AT)
                first, latest = f"COALESCE({reg}, {last})", f"COALESCE({last}, {reg})"
            else:
                first = latest = self._time(s, "b", ColumnRole.TIME)
            for name, cm in s.mapping.columns.items():
                if name not in s.types:
                    continue
                kind, lookup = self._identifier_kind(s, name, cm)
                if kind is None:
                    continue
                col, t, joins = ident(name), s.type(name), ""
                if lookup is not None:
                    joins = self.lookups.join(lookup, s.view, "b", col, t, "n")
                    value = "n.value"
                elif kind == "birth_year":
                    value = year_expr(f"b.{col}", t)
                elif kind in _PLACE_ROLES.values():
                    value = place_expr(kind, f"b.{col}", t)
                else:
                    value = as_text(f"b.{col}", t)
                parts.append(
                    f"SELECT b.__account_key AS account_key, {literal(kind)} AS kind, "
                    f"{value} AS value, {raw_text(f'b.{col}', t)} AS raw_value, "
                    f"{first} AS first_at, {latest} AS last_at, "
                    f"{literal(f'{s.table}.{name}')} AS source "
                    f"FROM {s.base} AS b {joins} WHERE b.__account_key IS NOT NULL"
                )
            if address := self._address(s, first, latest):
                parts.append(address)
        if not parts:
            return []
        return [
            f"SELECT {self.ds} AS dataset_id, account_key, kind, value, "
            "min(raw_value) AS raw_value, min(first_at) AS first_seen, "
            "max(last_at) AS last_seen, count(*) AS count, "
            "array_to_string(list_sort(list_distinct(list(source))), ',') AS source "
            f"FROM ({' UNION ALL '.join(parts)}) WHERE value IS NOT NULL "
            "GROUP BY account_key, kind, value"
        ]

    def _address(self, s: Source, first: str, latest: str) -> str | None:
        """One ``address`` identifier per row from all its address columns, in order."""
        cols = [(f"b.{ident(n)}", s.type(n)) for n, _ in s.cols(ColumnRole.ADDRESS)]
        if not cols:
            return None
        names = ",".join(f"{s.table}.{n}" for n, _ in s.cols(ColumnRole.ADDRESS))
        raw = "concat_ws(' | ', " + ", ".join(raw_text(c, t) for c, t in cols) + ")"
        return (
            f"SELECT b.__account_key AS account_key, 'address' AS kind, "
            f"{address_expr(cols)} AS value, {raw} AS raw_value, "
            f"{first} AS first_at, {latest} AS last_at, {literal(names)} AS source "
            f"FROM {s.base} AS b WHERE b.__account_key IS NOT NULL"
        )

    def _identifier_kind(
        self, s: Source, name: str, cm: ColumnMapping
    ) -> tuple[str | None, str | None]:
        if cm.role is ColumnRole.USERNAME and s.mapping.role is TableRole.USERS:
            return "username", "username"
        if cm.role is ColumnRole.IP:
            return "ip", ip_lookup(s.type(name))
        if cm.role is ColumnRole.BIRTH_DATE:
            return ("birth_year", None) if cm.format == "year" else (None, None)
        if cm.role is ColumnRole.CONTACT:
            return (cm.format, "handle") if cm.format in _CONTACT_KINDS else (None, None)
        if cm.role in _PLACE_ROLES:
            return _PLACE_ROLES[cm.role], None
        return _IDENTIFIER_ROLES.get(cm.role, (None, None))

    # -- events -------------------------------------------------------------------------

    def events(self) -> list[str]:
        """One SELECT per event source table, plus registrations from users tables."""
        out = [self._registration(s) for s in self.users if s.col(ColumnRole.REGISTERED_AT)]
        out += [self._event(s) for s in self.sources if s.mapping.role in _EVENT_KINDS]
        return out

    def _registration(self, s: Source) -> str:
        joins: list[str] = []
        ip = "CAST(NULL AS VARCHAR)"
        ips = [n for n, _ in s.cols(ColumnRole.IP)]
        reg_ip = next((n for n in ips if "reg" in n.lower() or "sign" in n.lower()), None)
        if reg_ip is not None:
            ip = self._ip(s, "b", reg_ip, "ni", joins)
        at = self._time(s, "b", ColumnRole.REGISTERED_AT)
        reg_col = s.cols(ColumnRole.REGISTERED_AT)[0][0]
        detail = f"json_object('source_key', {s.row_key('b')})"
        return self._event_select(
            s,
            "registration",
            at,
            ip,
            detail,
            f"{s.table}.{reg_col}",
            joins,
            where=f"{at} IS NOT NULL",
        )

    def _event(self, s: Source) -> str:
        role = s.mapping.role
        joins: list[str] = []
        ip = "CAST(NULL AS VARCHAR)"
        if (found := s.col(ColumnRole.IP)) is not None:
            ip = self._ip(s, "b", found[0], "ni", joins)
        pairs: list[tuple[str, str]] = [("source_key", s.row_key("b"))]
        if s.cols(ColumnRole.USER_REF):
            pairs.append(("user_ref", "b.__user_ref"))
        if role in (TableRole.ATTACKS, TableRole.MESSAGES):
            pairs.append(("third_party", "true"))
        for r, key in ((ColumnRole.USER_AGENT, "user_agent"), (ColumnRole.COUNTRY, "country"),
                       (ColumnRole.PAYMENT_REF, "payment_ref"),
                       (ColumnRole.BTC_ADDRESS, "btc_address")):  # fmt: skip
            if (found := s.col(r)) is not None:
                pairs.append((key, as_text(f"b.{ident(found[0])}", s.type(found[0]))))
        for name, cm in s.cols(ColumnRole.TEXT):
            text = as_text(f"b.{ident(name)}", s.type(name))
            if cm.format == "subject":
                pairs.append(("subject", text))
            else:
                pairs += [
                    ("excerpt", f"left({text}, {_EXCERPT})"),
                    ("text_chars", f"length({text})"),
                ]
        for name, cm in s.cols(ColumnRole.OTHER):
            if cm.format in _DETAIL_FORMATS:
                pairs.append((cm.format, as_text(f"b.{ident(name)}", s.type(name))))
        detail = "json_object(" + ", ".join(f"{literal(k)}, {v}" for k, v in pairs) + ")"
        at = self._time(s, "b", ColumnRole.TIME)
        time_col = s.col(ColumnRole.TIME)
        where = (time_col[0] if time_col else None) or s.key_column() or "*"
        return self._event_select(
            s, _EVENT_KINDS[role], at, ip, detail, f"{s.table}.{where}", joins
        )

    def _event_select(
        self,
        s: Source,
        kind: str,
        at: str,
        ip: str,
        detail: str,
        source: str,
        joins: list[str],
        where: str = "true",
    ) -> str:
        target = self._target(s, joins)
        amount = self._with(s, ColumnRole.AMOUNT, amount_expr, "CAST(NULL AS DECIMAL(18,8))")
        duration = self._with(s, ColumnRole.DURATION, duration_expr, "CAST(NULL AS BIGINT)")
        port = "CAST(NULL AS INTEGER)"
        if (p := s.col(ColumnRole.TARGET_PORT)) is not None:
            port = f"TRY_CAST({as_text(f'b.{ident(p[0])}', s.type(p[0]))} AS INTEGER)"
        currency = f"upper({self._text(s, 'b', ColumnRole.CURRENCY)})"
        if kind == "registration":
            target, amount, duration, port = "NULL", "NULL", "NULL", "NULL"
            currency = method = "NULL"
        else:
            method = self._text(s, "b", ColumnRole.METHOD)
        return (
            f"SELECT {self.ds} AS dataset_id, b.__account_key AS account_key, "
            f"{literal(kind)} AS kind, {at} AS at, {ip} AS ip, {amount} AS amount, "
            f"{currency} AS currency, {target} AS target, {port} AS target_port, "
            f"{method} AS method, {duration} AS duration_s, CAST({detail} AS VARCHAR) AS detail, "
            f"{literal(source)} AS source FROM {s.base} AS b {' '.join(joins)} WHERE {where}"
        )

    def _target(self, s: Source, joins: list[str]) -> str:
        role = ColumnRole.RECIPIENT if s.mapping.role is TableRole.MESSAGES else ColumnRole.TARGET
        found = s.col(role)
        if found is None:
            return "CAST(NULL AS VARCHAR)"
        name, cm = found
        if is_blob(s.type(name)) or cm.format == "ip_int":
            return self._ip(s, "b", name, "nt", joins)
        return as_text(f"b.{ident(name)}", s.type(name))

    def _with(self, s: Source, role: ColumnRole, fn: _Expr, default: str) -> str:
        found = s.col(role)
        if found is None:
            return default
        return fn(f"b.{ident(found[0])}", s.type(found[0]), found[1])


def _ref_format(cm: ColumnMapping, sql_type: str) -> str:
    if cm.format in ("id", "username"):
        return cm.format
    return "id" if is_numeric(sql_type) else "username"

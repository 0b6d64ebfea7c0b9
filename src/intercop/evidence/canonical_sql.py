"""SQL expressions that turn one raw column into a canonical value, per role and format.

Only SQL *generation* lives here (pure string functions); ``canonical`` runs it.
Column types are DuckDB's names for the raw Parquet columns (``BLOB``, ``BIGINT``,
``VARCHAR``, ``TIMESTAMP`` ...). Every expression yields NULL rather than failing on a
value it cannot read: one bad row never stops a dataset.
"""

from __future__ import annotations

from intercop.evidence.detect_values import YEAR_MAX, YEAR_MIN
from intercop.evidence.mapping import ColumnMapping

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")  # fmt: skip

#: seconds since 1970 beyond which a value is not an epoch (year 3000)
_EPOCH_LIMIT = 32_503_680_000


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def is_numeric(sql_type: str) -> bool:
    return sql_type.upper().startswith(_NUMERIC)


def is_blob(sql_type: str) -> bool:
    return sql_type.upper() == "BLOB"


def as_text(col: str, sql_type: str) -> str:
    """The column as trimmed text, NULL when empty."""
    if is_blob(sql_type):
        return f"NULLIF(trim(TRY_CAST({col} AS VARCHAR)), '')"
    return f"NULLIF(trim(CAST({col} AS VARCHAR)), '')"


def _epoch(number: str, scale: int) -> str:
    """Epoch ``number`` (in 1/scale seconds) as TIMESTAMPTZ; zero and nonsense are NULL."""
    secs = f"({number}) / {scale}" if scale != 1 else number
    return f"CASE WHEN {number} > 0 AND {secs} < {_EPOCH_LIMIT} THEN to_timestamp({secs}) END"


def _zone(naive: str, tz: str | None) -> str:
    if tz and tz.upper() not in ("UTC", "Z", "+00:00", "ETC/UTC"):
        return f"timezone({literal(tz)}, {naive})"
    return f"CAST({naive} AS TIMESTAMPTZ)"


def time_expr(col: str, sql_type: str, cm: ColumnMapping, tz: str | None) -> str:
    """A TIMESTAMPTZ in UTC from epoch seconds/ms, DATETIME (in ``tz``, default UTC) or text."""
    fmt = cm.format or ""
    t = sql_type.upper()
    scale = 1000 if fmt == "epoch_ms" else 1
    if is_numeric(t):
        return _epoch(f"CAST({col} AS DOUBLE)", scale)
    if t.startswith("TIMESTAMP WITH TIME ZONE"):
        return col
    if t.startswith("TIMESTAMP") or t == "DATE":
        return _zone(col, tz)
    text = as_text(col, sql_type)
    if fmt in ("epoch_s", "epoch_ms"):
        return _epoch(f"TRY_CAST({text} AS DOUBLE)", scale)
    if fmt == "date_dmy":
        return _zone(f"try_strptime({text}, '%d-%m-%Y')", tz)
    if fmt == "date_ymd":
        return _zone(f"try_strptime({text}, '%Y%m%d')", tz)
    if tz:
        return _zone(f"TRY_CAST({text} AS TIMESTAMP)", tz)
    return f"TRY_CAST({text} AS TIMESTAMPTZ)"


def date_expr(col: str, sql_type: str, cm: ColumnMapping) -> str:
    """A DATE (birth dates): from DATE, DATETIME, epoch, ISO or d-m-Y text."""
    t = sql_type.upper()
    if t == "DATE":
        return col
    if t.startswith("TIMESTAMP"):
        return f"CAST({col} AS DATE)"
    # YYYYMMDD, as text or as an integer, is read below and never as an epoch
    if (is_numeric(t) and cm.format != "date_ymd") or cm.format in ("epoch_s", "epoch_ms"):
        return f"CAST({time_expr(col, sql_type, cm, None)} AS DATE)"
    text = as_text(col, sql_type)
    if cm.format == "date_dmy":
        # MyBB writes "d-m-Y" without zero padding and leaves the year empty when hidden
        return f"CAST(try_strptime({text}, '%d-%m-%Y') AS DATE)"
    if cm.format == "date_ymd":
        return f"CAST(try_strptime({text}, '%Y%m%d') AS DATE)"
    return f"TRY_CAST({text} AS DATE)"


def year_expr(col: str, sql_type: str) -> str:
    """A 4-digit year as text (``birth_year`` identifiers), NULL outside 1900-2030."""
    number = f"TRY_CAST({as_text(col, sql_type)} AS INTEGER)"
    return (
        f"CASE WHEN {number} BETWEEN {YEAR_MIN} AND {YEAR_MAX} THEN CAST({number} AS VARCHAR) END"
    )


def _folded(text: str) -> str:
    """Casefolded, accents stripped, runs of spaces and separators made one space."""
    return f"NULLIF(trim(regexp_replace(lower(strip_accents({text})), '[\\s,;]+', ' ', 'g')), '')"


def address_expr(cols: list[tuple[str, str]]) -> str:
    """One address from its columns in order (house number, street lines), folded."""
    return _folded("concat_ws(' ', " + ", ".join(as_text(c, t) for c, t in cols) + ")")


def place_expr(kind: str, col: str, sql_type: str) -> str:
    """A ``postcode``, ``locality``, ``region`` or ``national_id`` identifier value."""
    text = as_text(col, sql_type)
    if kind == "postcode":  # "1234 AB" and "1234ab" are one postcode
        return f"NULLIF(upper(regexp_replace({text}, '[^0-9A-Za-z]', '', 'g')), '')"
    if kind == "national_id":  # digits only: separators and check letters vary by writer
        return f"NULLIF(regexp_replace({text}, '[^0-9]', '', 'g'), '')"
    return _folded(text)


def ip_expr(col: str, sql_type: str) -> str:
    """Canonical IP text from packed bytes, an integer or text (Python UDFs)."""
    if is_blob(sql_type):
        return f"intercop_ip_blob({col})"
    if is_numeric(sql_type):
        return f"intercop_ip_int(TRY_CAST({col} AS BIGINT))"
    return f"intercop_ip_text(CAST({col} AS VARCHAR))"


def raw_text(col: str, sql_type: str) -> str:
    """The raw value as text for ``raw_value``: binary as 0x-hex, the rest as written."""
    if is_blob(sql_type):
        return f"CASE WHEN {col} IS NOT NULL THEN '0x' || lower(hex({col})) END"
    return f"CAST({col} AS VARCHAR)"


def amount_expr(col: str, sql_type: str, cm: ColumnMapping) -> str:
    """DECIMAL(18,8) amount; text like "15,00 EUR" is read as 15.00."""
    if is_numeric(sql_type):
        value = f"TRY_CAST({col} AS DECIMAL(18,8))"
    else:
        number = (
            rf"regexp_extract(replace({as_text(col, sql_type)}, ',', '.'), '-?[0-9]+(\.[0-9]+)?')"
        )
        value = f"TRY_CAST(NULLIF({number}, '') AS DECIMAL(18,8))"
    if cm.format == "cents":
        return f"CAST({value} / 100 AS DECIMAL(18,8))"
    return value


def duration_expr(col: str, sql_type: str, cm: ColumnMapping) -> str:
    """Duration in whole seconds (``format`` ms or min converts)."""
    value = f"TRY_CAST({as_text(col, sql_type)} AS DOUBLE)"
    if cm.format == "ms":
        value = f"{value} / 1000"
    elif cm.format in ("min", "minutes"):
        value = f"{value} * 60"
    return f"TRY_CAST(round({value}) AS BIGINT)"


def role_expr(col: str, sql_type: str, cm: ColumnMapping, default: str) -> str:
    """Account role: admin, staff, seller, reseller or customer, from a role/group column."""
    d = literal(default)
    if cm.format == "mybb_usergroup":
        # MyBB default groups: 4 Administrators, 3 Super Moderators, 6 Moderators
        g = f"TRY_CAST({col} AS INTEGER)"
        return f"CASE WHEN {g} = 4 THEN 'admin' WHEN {g} IN (3, 6) THEN 'staff' ELSE {d} END"
    if cm.format == "flag" or sql_type.upper() == "BOOLEAN":
        return f"CASE WHEN TRY_CAST({col} AS BOOLEAN) THEN 'admin' ELSE {d} END"
    v = f"lower({as_text(col, sql_type)})"
    rules = (
        ("reseller", "resell|revend|wederverk|wiederverk"),
        ("admin", "admin|owner|root|beheerder|eigenaar|dono|propriet|superuser"),
        ("staff", "staff|support|moder|helper|suporte|medewerker|mitarbeiter|soporte"),
        ("seller", "seller|vendor|verkoper|vendedor|verkaeufer|vendeur|merchant"),
        ("customer", "customer|client|klant|cliente|kunde|vip|premium|paid|buyer|koper"),
    )
    cases = " ".join(f"WHEN regexp_matches({v}, {literal(p)}) THEN '{r}'" for r, p in rules)
    return f"CASE {cases} ELSE {d} END"

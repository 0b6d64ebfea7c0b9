"""MySQL DDL (CREATE TABLE, ALTER TABLE) to table schemas, with the type decisions.

Type mapping, chosen so the raw layer is lossless (every value the database can
hold survives, and reads back as the database would show it):

* tinyint, smallint, mediumint/int, bigint -> int8, int16, int32, int64, or the
  uint types when UNSIGNED; ``tinyint(1)``/bool stays an integer (it can hold
  2 or -1, and a boolean would lose that).
* decimal(p,s) -> decimal128(p,s) (decimal256 above 38 digits): exact, unlike float.
* float, double, real -> float64 (a MySQL FLOAT widens to double without loss).
* char, varchar, *text, enum, set, json, time -> string (time can exceed 24 h and
  be negative, which no Arrow time type holds); bit(n) -> uint64; year -> int16.
* binary, varbinary, *blob, geometry, and any text type declared with
  ``CHARACTER SET binary`` -> binary, never decoded.
* date -> date32; datetime, timestamp -> timestamp('us') (MySQL's finest
  precision). Zero dates (``0000-00-00``, or a zero month or day) have no Arrow
  value: they become NULL and are counted, so date columns are always nullable.
* anything unknown -> string, keeping the value as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pyarrow as pa

from intercop.evidence.readers.mysql_values import K_BIT, K_HEX, K_NULL, K_NUM, K_STR
from intercop.evidence.schema import Column, ForeignKey, TableSchema

_TOKEN = re.compile(
    r"""(?P<ws>\s+|--[^\n]*|\#[^\n]*|/\*!\d*|\*/|/\*.*?\*/)
      |(?P<bq>`(?:[^`]|``)*`)
      |(?P<str>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
      |(?P<num>0x[0-9a-fA-F]+|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
      |(?P<word>[^\W\d]\w*|\$\w*)
      |(?P<punct>.)""",
    re.S | re.X,
)
_STRING_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}

_INTS = {"tinyint": 8, "smallint": 16, "mediumint": 32, "int": 32, "integer": 32, "bigint": 64}
_STRINGS = {
    "char", "varchar", "nchar", "nvarchar", "tinytext", "text", "mediumtext", "longtext",
    "json", "long", "uuid", "inet4", "inet6", "character", "varcharacter",
}  # fmt: skip
_BINARIES = {
    "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry", "point",
    "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
    "geometrycollection",
}  # fmt: skip


@dataclass(frozen=True)
class Token:
    """A DDL token: ``kind`` is bq, str, num, word or punct; ``text`` is unquoted."""

    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


@dataclass(frozen=True)
class ColumnSpec:
    """How the values of one column are converted, beside its schema Column."""

    name: str
    category: str
    arrow_type: pa.DataType
    length: int | None = None
    not_null: bool = False
    #: (value kind, bytes) of the value a missing column gets; None: NULL
    default: tuple[int, bytes] | None = None
    auto_increment: bool = False
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDef:
    """A table as its CREATE TABLE declares it: the schema and how to convert values."""

    schema: TableSchema
    specs: tuple[ColumnSpec, ...]

    @property
    def name(self) -> str:
        return self.schema.name


def tokens(sql: str) -> list[Token]:
    """Tokens of one statement; conditional comments ``/*!NNNNN ... */`` count as code."""
    out = []
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup or "punct"
        if kind == "ws":
            continue
        text = m.group()
        if kind == "bq":
            text = text[1:-1].replace("``", "`")
        elif kind == "str":
            text = _unquote(text)
        out.append(Token(kind, text, m.start(), m.end()))
    return out


def _unquote(text: str) -> str:
    quote, body = text[0], text[1:-1]
    body = body.replace(quote * 2, quote)
    return re.sub(r"\\(.)", lambda m: _STRING_ESCAPES.get(m.group(1), m.group(1)), body, flags=re.S)


def _qualified(toks: list[Token], i: int) -> tuple[str, int]:
    """A possibly db-qualified name at ``toks[i]``; returns the table name and next index."""
    name = toks[i].text
    i += 1
    while i + 1 < len(toks) and toks[i].text == "." and toks[i].kind == "punct":
        name = toks[i + 1].text
        i += 2
    return name, i


def _group(toks: list[Token], i: int) -> tuple[list[Token], int]:
    """The tokens inside the parenthesis opening at ``toks[i]``, and the index after it."""
    depth, j = 0, i
    while j < len(toks):
        if toks[j].kind == "punct" and toks[j].text == "(":
            depth += 1
        elif toks[j].kind == "punct" and toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return toks[i + 1 : j], j + 1
        j += 1
    raise ValueError("unbalanced parentheses")


def _split(toks: list[Token]) -> list[list[Token]]:
    """Split on top-level commas."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "punct" and t.text in "()":
            depth += 1 if t.text == "(" else -1
        if depth == 0 and t.kind == "punct" and t.text == ",":
            parts.append([])
        else:
            parts[-1].append(t)
    return [p for p in parts if p]


def _names(toks: list[Token]) -> tuple[str, ...]:
    """Column names of a key list, without prefix lengths or ASC/DESC."""
    return tuple(part[0].text for part in _split(toks))


def table_name_after(toks: list[Token], i: int) -> tuple[str, int]:
    """Skip IF [NOT] EXISTS, then read a qualified table name."""
    while i < len(toks) and toks[i].is_word("IF", "NOT", "EXISTS"):
        i += 1
    if i >= len(toks):
        raise ValueError("table name missing")
    return _qualified(toks, i)


def parse_create_table(sql: str, source: str = "") -> TableDef:
    """Parse ``CREATE [TEMPORARY] TABLE name (...)``; raise ValueError when it does not parse."""
    toks = tokens(sql)
    i = 0
    while i < len(toks) and not toks[i].is_word("TABLE"):
        i += 1
    name, i = table_name_after(toks, i + 1)
    if i >= len(toks) or toks[i].text != "(":
        raise ValueError("CREATE TABLE without a column list (CREATE TABLE ... LIKE/AS?)")
    body, _ = _group(toks, i)
    columns: list[Column] = []
    specs: list[ColumnSpec] = []
    primary: tuple[str, ...] = ()
    foreign: list[ForeignKey] = []
    for part in _split(body):
        head = part[0]
        if head.is_word("PRIMARY"):
            primary = _names(_group(part, _paren(part))[0])
        elif head.is_word("CONSTRAINT", "FOREIGN") and any(t.is_word("FOREIGN") for t in part):
            foreign.append(_foreign_key(part))
        elif head.kind in ("word", "bq") and not (
            head.kind == "word"
            and head.is_word("KEY", "INDEX", "UNIQUE", "FULLTEXT", "SPATIAL", "CHECK", "CONSTRAINT")
        ):
            column, spec, is_primary = _column(part, sql)
            columns.append(column)
            specs.append(spec)
            if is_primary:
                primary = (spec.name,)
    if not columns:
        raise ValueError(f"table {name} declares no columns")
    schema = TableSchema(
        name=name,
        columns=tuple(columns),
        primary_key=primary,
        foreign_keys=tuple(foreign),
        source=source,
    )
    return TableDef(schema=schema, specs=tuple(specs))


def _paren(part: list[Token]) -> int:
    for j, t in enumerate(part):
        if t.kind == "punct" and t.text == "(":
            return j
    raise ValueError("key without a column list")


def _foreign_key(part: list[Token]) -> ForeignKey:
    j = next(k for k, t in enumerate(part) if t.is_word("FOREIGN"))
    cols, j = _group(part, j + _paren(part[j:]))
    while not part[j].is_word("REFERENCES"):
        j += 1
    table, j = _qualified(part, j + 1)
    refs, _ = _group(part, j)
    return ForeignKey(columns=_names(cols), table=table, ref_columns=_names(refs))


def _column(part: list[Token], sql: str) -> tuple[Column, ColumnSpec, bool]:
    name = part[0].text
    if len(part) < 2:
        raise ValueError(f"column {name} has no type")
    base = part[1].text.lower()
    i = 2
    args: list[Token] = []
    if i < len(part) and part[i].text == "(":
        args, i = _group(part, i)
    if base == "double" and i < len(part) and part[i].is_word("PRECISION"):
        i += 1
    type_end = part[i - 1].end
    unsigned = binary_charset = not_null = auto_increment = is_primary = False
    default: tuple[int, bytes] | None = None
    has_default = False
    while i < len(part):
        t = part[i]
        if t.is_word("UNSIGNED"):
            unsigned = True
            type_end = t.end
        elif t.is_word("ZEROFILL"):
            unsigned = True  # ZEROFILL implies UNSIGNED in MySQL
            type_end = t.end
        elif t.is_word("CHARACTER", "CHARSET"):
            i += 2 if t.is_word("CHARACTER") else 1
            binary_charset = i < len(part) and part[i].text.lower() == "binary"
        elif t.is_word("NOT") and i + 1 < len(part) and part[i + 1].is_word("NULL"):
            not_null = True
            i += 1
        elif t.is_word("DEFAULT") and i + 1 < len(part):
            default, i = _default(part, i + 1)
            has_default = True
            continue
        elif t.is_word("AUTO_INCREMENT"):
            auto_increment = True
        elif t.is_word("PRIMARY"):
            is_primary = True
        elif t.is_word("COMMENT", "COLLATE") or (t.is_word("ON") and i + 1 < len(part)):
            i += 1
        elif t.kind == "punct" and t.text == "(":
            _, i = _group(part, i)
            continue
        i += 1
    sql_type = sql[part[1].start : type_end]
    category, arrow_type, length = _map_type(base, args, unsigned, binary_charset)
    members = tuple(a.text for a in args if a.kind == "str") if category in ("enum", "set") else ()
    if base == "serial":
        not_null = auto_increment = True
    if not has_default and not_null and not auto_increment:
        default = _implicit_default(category, members)
    nullable = not not_null or category in ("date", "datetime")
    spec = ColumnSpec(
        name=name,
        category=category,
        arrow_type=arrow_type,
        length=length,
        not_null=not_null,
        default=default,
        auto_increment=auto_increment,
        members=members,
    )
    return (
        Column(name=name, sql_type=sql_type, arrow_type=arrow_type, nullable=nullable),
        (spec),
        is_primary,
    )


def _default(part: list[Token], i: int) -> tuple[tuple[int, bytes] | None, int]:
    """The DEFAULT value at ``part[i]`` as a (kind, bytes) literal, and the next index."""
    t = part[i]
    if t.kind == "punct" and t.text == "(":
        _, j = _group(part, i)  # an expression: the database computes it; we cannot
        return None, j
    if t.kind == "punct" and t.text == "-" and i + 1 < len(part):
        return (K_NUM, b"-" + part[i + 1].text.encode()), i + 2
    if t.kind == "str":
        return (K_STR, t.text.encode()), i + 1
    if t.kind == "num":
        if t.text.lower().startswith("0x"):
            return (K_HEX, bytes.fromhex(t.text[2:].rjust(len(t.text[2:]) + 1 & ~1, "0"))), i + 1
        return (K_NUM, t.text.encode()), i + 1
    if t.kind == "word" and i + 1 < len(part) and part[i + 1].kind == "str":
        literal = part[i + 1].text
        if t.text.lower() == "b":
            value = int(literal or "0", 2).to_bytes(max(1, (len(literal) + 7) // 8), "big")
            return (K_BIT, value), i + 2
        if t.text.lower() == "x":
            return (K_HEX, bytes.fromhex(literal)), i + 2
        return (K_STR, literal.encode()), i + 2  # a character set introducer
    if t.is_word("NULL"):
        return (K_NULL, b""), i + 1
    if t.is_word("TRUE", "FALSE"):
        return (K_NUM, b"1" if t.is_word("TRUE") else b"0"), i + 1
    # CURRENT_TIMESTAMP and other functions: evaluated at insert time, unknowable
    j = i + 1
    if j < len(part) and part[j].text == "(":
        _, j = _group(part, j)
    return None, j


def _implicit_default(category: str, members: tuple[str, ...]) -> tuple[int, bytes] | None:
    """What MySQL stores for a NOT NULL column without DEFAULT when an INSERT omits it."""
    if category in ("int", "uint", "decimal", "float", "year", "bit"):
        return (K_NUM, b"0")
    if category == "enum":
        return (K_STR, members[0].encode() if members else b"")
    if category in ("date", "datetime"):
        return None  # the zero date, which is stored as NULL
    if category == "time":
        return (K_STR, b"00:00:00")
    return (K_STR, b"")


def _map_type(
    base: str, args: list[Token], unsigned: bool, binary_charset: bool
) -> tuple[str, pa.DataType, int | None]:
    nums = [int(a.text) for a in args if a.kind == "num" and a.text.isdigit()]
    length = nums[0] if nums else None
    if base in _INTS:
        bits = _INTS[base]
        if unsigned:
            return (
                "uint",
                {8: pa.uint8(), 16: pa.uint16(), 32: pa.uint32()}.get(bits, pa.uint64()),
                length,
            )
        return "int", {8: pa.int8(), 16: pa.int16(), 32: pa.int32()}.get(bits, pa.int64()), length
    if base in ("bool", "boolean"):
        return "int", pa.int8(), 1
    if base == "serial":
        return "uint", pa.uint64(), None
    if base in ("decimal", "numeric", "dec", "fixed"):
        precision = nums[0] if nums else 10
        scale = nums[1] if len(nums) > 1 else 0
        if precision > 38:
            return "decimal", pa.decimal256(precision, scale), None
        return "decimal", pa.decimal128(precision, scale), None
    if base in ("float", "double", "real"):
        return "float", pa.float64(), None
    if base == "date":
        return "date", pa.date32(), None
    if base in ("datetime", "timestamp"):
        # length: the fractional-second digits kept (MariaDB truncates the rest)
        return "datetime", pa.timestamp("us"), length or 0
    if base == "time":
        return "time", pa.string(), None
    if base == "year":
        return "year", pa.int16(), None
    if base == "bit":
        return "bit", pa.uint64(), length or 1
    if base in ("enum", "set"):
        return base, pa.string(), None
    if base == "binary" or (base in ("char", "character") and binary_charset):
        return "fixed_binary", pa.binary(), length or 1
    if base in _BINARIES or binary_charset:
        return "binary", pa.binary(), length
    if base in ("char", "character", "nchar"):
        return "char", pa.string(), length
    if base in _STRINGS:
        return "string", pa.string(), length
    return "string", pa.string(), None


@dataclass(frozen=True)
class AlterTable:
    """The keys an ALTER TABLE adds (phpMyAdmin declares them after the data)."""

    table: str
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()


def parse_alter_table(sql: str) -> AlterTable:
    """Parse the ADD PRIMARY KEY / ADD [CONSTRAINT] FOREIGN KEY clauses of an ALTER TABLE."""
    toks = tokens(sql)
    i = next(k for k, t in enumerate(toks) if t.is_word("TABLE"))
    name, i = table_name_after(toks, i + 1)
    primary: tuple[str, ...] = ()
    foreign: list[ForeignKey] = []
    for clause in _split(toks[i:]):
        if not clause or not clause[0].is_word("ADD"):
            continue
        rest = clause[1:]
        if rest and rest[0].is_word("PRIMARY"):
            primary = _names(_group(rest, _paren(rest))[0])
        elif any(t.is_word("FOREIGN") for t in rest):
            foreign.append(_foreign_key(rest))
    return AlterTable(table=name, primary_key=primary, foreign_keys=tuple(foreign))


def with_keys(table: TableDef, alter: AlterTable) -> TableDef:
    """The table with the keys an ALTER TABLE adds (same columns)."""
    schema = table.schema
    keys = alter.primary_key or schema.primary_key
    foreign = schema.foreign_keys + tuple(
        fk for fk in alter.foreign_keys if fk not in schema.foreign_keys
    )
    return replace(table, schema=replace(schema, primary_key=keys, foreign_keys=foreign))

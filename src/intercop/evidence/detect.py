"""Detection: which source table plays which role and what each column means.

Two entry points, called by ingest:

* ``column_secrets`` on the first batch of every table, before anything is written,
  so plaintext passwords never reach disk and hashes are kept only as keyed hashes;
* ``detect_mapping`` once the raw layer is written: the built-in mapping of known
  software first (``known.match``), then names (several languages) and sniffed values
  for every table or column the built-in mapping does not cover.

Nothing here depends on one dataset: a renamed MyBB or an unseen booter panel is
recognised from what its names and values look like. Every choice carries a reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pyarrow as pa

from intercop.evidence import known
from intercop.evidence.detect_columns import Evidence, TableContext, column_role, evidence
from intercop.evidence.detect_names import (
    Concept,
    column_concept,
    compact,
    table_prefix,
    table_role_by_name,
)
from intercop.evidence.detect_values import Profile, profile
from intercop.evidence.mapping import (
    ColumnMapping,
    ColumnRole,
    Mapping,
    Secret,
    TableMapping,
    TableRole,
    secret_action,
)
from intercop.evidence.schema import TableSchema

log = logging.getLogger(__name__)

#: rows sampled per table for detection
SAMPLE_ROWS = 500

#: how much each kind of column says for a table role
_WEIGHTS: dict[TableRole, dict[Concept, int]] = {
    TableRole.USERS: {
        Concept.PASSWORD: 3,
        Concept.SALT: 2,
        Concept.USERNAME: 2,
        Concept.EMAIL: 2,
        Concept.REGISTERED: 2,
        Concept.LAST_SEEN: 1,
        Concept.BIRTH: 2,
        Concept.API_KEY: 1,
        Concept.PLAN: 1,
        Concept.EXPIRY: 1,
        Concept.ROLE: 1,
        # a register of people (FEBRL, a shop's customers): names, addresses, ids
        Concept.FIRST_NAME: 1,
        Concept.LAST_NAME: 1,
        Concept.ADDRESS: 1,
        Concept.POSTCODE: 1,
        Concept.LOCALITY: 1,
        Concept.NATIONAL_ID: 2,
    },
    TableRole.LOGINS: {Concept.IP: 2, Concept.USER_AGENT: 2, Concept.TIME: 1, Concept.COUNTRY: 1},
    TableRole.ATTACKS: {
        Concept.HOST: 4,
        Concept.PORT: 2,
        Concept.METHOD: 2,
        Concept.DURATION: 2,
    },
    TableRole.PAYMENTS: {
        Concept.AMOUNT: 3,
        Concept.BTC: 3,
        Concept.PAYPAL: 3,
        Concept.PAYMENT_REF: 2,
        Concept.CURRENCY: 2,
    },
    TableRole.POSTS: {Concept.TEXT: 2, Concept.SUBJECT: 1, Concept.IP: 1},
    TableRole.MESSAGES: {Concept.RECIPIENT: 4, Concept.TEXT: 1, Concept.SUBJECT: 1},
    TableRole.TICKETS: {Concept.SUBJECT: 1, Concept.STATUS: 1, Concept.TEXT: 1},
}
_REFS = (Concept.USER_ID, Concept.USERNAME)
_ADDRESS_PARTS = (Concept.ADDRESS, Concept.POSTCODE, Concept.LOCALITY)
_KIND_PREFERS = {
    "booter": (TableRole.ATTACKS, TableRole.LOGINS, TableRole.PAYMENTS),
    "forum": (TableRole.POSTS, TableRole.MESSAGES),
    "market": (TableRole.PAYMENTS,),
}


def column_secrets(
    schema: TableSchema, sample: pa.RecordBatch, override: TableMapping | None
) -> dict[str, tuple[Secret, ColumnRole]]:
    """Columns of ``schema`` to drop or keep only as keyed hashes, with their role.

    Decided from the column names and the first batch; a mapping given with
    ``--mapping`` decides for the columns it names.
    """
    payments = (table_role_by_name(schema.name) or (None,))[0] is TableRole.PAYMENTS
    out: dict[str, tuple[Secret, ColumnRole]] = {}
    for column in schema.columns:
        if override is not None and column.name in override.columns:
            role: ColumnRole | None = override.columns[column.name].role
        elif column.name in sample.schema.names:
            role = secret_role(column.name, profile(sample.column(column.name)), payments)
        else:
            role = None
        if role is None:
            continue
        action = secret_action(role)
        if action is not Secret.KEEP:
            out[column.name] = (action, role)
    return out


def secret_role(name: str, p: Profile, payments_table: bool = False) -> ColumnRole | None:
    """Secret role of one column (password, hash, salt, API key), or None."""
    found = column_concept(name)
    concept = found[0] if found else None
    textual = p.kind in ("string", "binary", "other") and not p.is_datetime and not p.is_date
    if concept is Concept.PASSWORD and textual:
        if payments_table and compact(name) == "hash":
            return None  # a transaction hash, not a password
        return ColumnRole.PASSWORD_HASH if p.most("hash") else ColumnRole.PASSWORD_PLAIN
    if concept is Concept.SALT and textual:
        return ColumnRole.PASSWORD_SALT
    if concept is Concept.API_KEY and textual:
        return ColumnRole.API_KEY
    if p.kind == "string" and p.most("crypt"):
        return ColumnRole.PASSWORD_HASH
    return None


def detect_mapping(
    schemas: dict[str, TableSchema],
    sample: Callable[[str, int], pa.Table],
    kind: str | None = None,
) -> Mapping:
    """The mapping of a dataset: built-in for known software, detected for the rest."""
    base = known.match(schemas)
    evidences = {
        name: _evidences(schema, sample(name, SAMPLE_ROWS)) for name, schema in schemas.items()
    }
    prefix = table_prefix(list(schemas))
    roles: dict[str, tuple[TableRole, str, int]] = {}
    for name, schema in schemas.items():
        if base is not None and name in base.tables:
            t = base.tables[name]
            roles[name] = (t.role, t.reason, 100)
        else:
            roles[name] = _table_role(schema, evidences[name], prefix, kind)
    users = _settle_users(roles, schemas, evidences, prefix, kind)
    tables: dict[str, TableMapping] = {}
    for name, schema in schemas.items():
        role, why, _ = roles[name]
        fixed = base.tables[name].columns if base is not None and name in base.tables else {}
        ctx = _context(schema, evidences[name], role, users)
        columns: dict[str, ColumnMapping] = {}
        for e in evidences[name]:
            if e.name in fixed:
                columns[e.name] = fixed[e.name]
                continue
            detected = column_role(e, role, ctx)
            if (
                users
                and role is not TableRole.USERS
                and detected.role is ColumnRole.OTHER
                and e.concept is not Concept.REFERRER
                and _references(schema, e.name, users)
            ):
                detected = ColumnMapping(
                    role=ColumnRole.USER_REF,
                    format="id",
                    reason=f"declared foreign key to {users} -> user_ref/id",
                )
            if fixed:
                detected.reason += " (not in the built-in mapping)"
            columns[e.name] = detected
        tables[name] = TableMapping(role=role, columns=columns, reason=why)
        log.debug("%s: %s (%s)", name, role.value, why)
    if base is None:
        return Mapping(
            software="detected", description="detected from names and values", tables=tables
        )
    extra = sorted(set(schemas) - set(base.tables))
    description = base.description + (f"; detected: {', '.join(extra)}" if extra else "")
    return Mapping(software=base.software, description=description, tables=tables)


def _evidences(schema: TableSchema, rows: pa.Table) -> list[Evidence]:
    out = []
    for column in schema.columns:
        if column.name not in rows.schema.names:
            continue  # dropped as a secret at ingest
        f = rows.schema.field(column.name)
        out.append(evidence(column.name, profile(rows.column(column.name), f)))
    return out


def _table_role(
    schema: TableSchema, evs: list[Evidence], prefix: str, kind: str | None
) -> tuple[TableRole, str, int]:
    """Best role of a table from its name and the concepts of its columns."""
    concepts = {e.concept for e in evs if e.concept is not None}
    pk = set(schema.primary_key)
    has_ref = any(e.concept in _REFS and e.name not in pk for e in evs)
    child = any(e.concept is Concept.ROW_ID for e in evs) and any(
        e.concept is Concept.USER_ID and e.name not in pk for e in evs
    )
    by_name = table_role_by_name(schema.name, prefix)
    scores: dict[TableRole, tuple[int, list[str]]] = {}
    for role, weights in _WEIGHTS.items():
        hits = [c for c in concepts if c in weights]
        score = sum(weights[c] for c in hits)
        why = [c.value for c in sorted(hits)]
        if by_name and by_name[0] is role:
            score += by_name[1]
        if role is TableRole.USERS and child:
            score -= 3  # a row id next to a user id: a child table of the users table
        if role is TableRole.LOGINS and (Concept.IP not in concepts or not has_ref):
            score -= 3
        if role in (TableRole.POSTS, TableRole.MESSAGES, TableRole.TICKETS) and not has_ref:
            score -= 2
        if kind in _KIND_PREFERS and role in _KIND_PREFERS[kind]:
            score += 1
        scores[role] = (score, why)
    role, (score, why) = max(scores.items(), key=lambda kv: kv[1][0])
    if score < 4:
        return TableRole.OTHER, f"no role fits well (best: {role.value}, score {score})", score
    parts = ([by_name[2]] if by_name and by_name[0] is role else []) + (
        [f"columns: {', '.join(why)}"] if why else []
    )
    return role, " + ".join(parts) + f" -> {role.value}", score


def _settle_users(
    roles: dict[str, tuple[TableRole, str, int]],
    schemas: dict[str, TableSchema],
    evidences: dict[str, list[Evidence]],
    prefix: str,
    kind: str | None,
) -> str | None:
    """Keep one users table (the best scored, most referenced); demote the others."""
    candidates = [n for n, (r, _, _) in roles.items() if r is TableRole.USERS]
    if not candidates:
        return None

    def rank(name: str) -> tuple[int, int]:
        refs = sum(fk.table == name for s in schemas.values() for fk in s.foreign_keys)
        return roles[name][2] + 2 * refs, -len(name)

    best = max(candidates, key=rank)
    for name in candidates:
        if name != best:
            role, why, score = _table_role(schemas[name], evidences[name], prefix, kind)
            if role is TableRole.USERS:
                role, why = TableRole.OTHER, f"{why}; {best} is the users table"
            roles[name] = (role, why, score)
    return best


def _context(
    schema: TableSchema, evs: list[Evidence], role: TableRole, users: str | None
) -> TableContext:
    ctx = TableContext(
        has_host=any(e.concept is Concept.HOST for e in evs),
        has_address=any(e.concept in _ADDRESS_PARTS for e in evs),
    )
    if role is TableRole.USERS:
        pk = schema.primary_key
        keys = [e.name for e in evs if e.concept in (Concept.ROW_ID, Concept.USER_ID)]
        ctx.account_key = pk[0] if len(pk) == 1 else (keys[0] if keys else None)
        registered = [e.name for e in evs if e.concept is Concept.REGISTERED]
        named = [e.name for e in evs if e.concept is Concept.TIME and not e.by_value]
        ctx.registered = next(iter(registered or named), None)
    else:
        found = [e for e in evs if e.concept is Concept.TIME]
        exact = [e.name for e in found if not e.by_value and "contains" not in e.why]
        loose = [e.name for e in found if not e.by_value and e.name not in exact]
        by_value = [e.name for e in found if e.by_value]
        ctx.time = next(iter(exact or loose or by_value), None)
    if role is TableRole.MESSAGES:
        senders = [
            e.name
            for e in evs
            if e.concept is Concept.USER_ID
            and compact(e.name).startswith(("from", "sender", "author"))
        ]
        if senders:
            ctx.sender = senders[0]
            ctx.owners = frozenset(
                e.name for e in evs if e.concept is Concept.USER_ID and e.name not in senders
            )
    return ctx


def _references(schema: TableSchema, column: str, users: str) -> bool:
    return any(fk.table == users and column in fk.columns for fk in schema.foreign_keys)

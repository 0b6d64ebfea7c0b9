"""Data minimisation at ingest: secrets are dropped or kept only as keyed hashes.

Invariant: a column marked DROP never leaves this module; a column marked HMAC is
replaced by ``hmac-sha256:<hex>`` strings keyed with the workspace secret, so equal
secrets stay linkable inside one workspace but cannot be cracked without the key.
"""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pyarrow.compute as pc

from intercop.evidence.mapping import ColumnRole, Secret
from intercop.evidence.schema import SECRET_KEY

PREFIX = "hmac-sha256:"

Secrets = dict[str, tuple[Secret, ColumnRole]]


def keyed_hash(key: bytes, values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """HMAC-SHA256 of every value as ``hmac-sha256:<hex>`` strings; NULL stays NULL.

    Strings are hashed as UTF-8, binary as its bytes, anything else as its text form.
    Each distinct value is hashed once, so repeated values (login logs) cost little.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    as_bytes = _as_binary(values)
    encoded = pc.dictionary_encode(as_bytes)
    digests = [
        None if v is None else PREFIX + hmac.digest(key, v, hashlib.sha256).hex()
        for v in encoded.dictionary.to_pylist()
    ]
    dictionary = pa.array(digests, type=pa.string())
    return pc.take(dictionary, encoded.indices)


def _as_binary(values: pa.Array) -> pa.Array:
    t = values.type
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return values.cast(pa.large_binary())
    if pa.types.is_fixed_size_binary(t):
        return values.cast(pa.binary()).cast(pa.large_binary())
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        values = values.cast(pa.large_string())
    return values.cast(pa.large_string()).cast(pa.large_binary())


def secret_metadata(role: ColumnRole, metadata: dict[bytes, bytes] | None) -> dict[bytes, bytes]:
    """Field metadata of a keyed-hash column: the original's plus the secret marker."""
    out = dict(metadata or {})
    out[SECRET_KEY] = f"hmac:{role.value}".encode()
    return out


def minimised_schema(schema: pa.Schema, secrets: Secrets) -> pa.Schema:
    """``schema`` without dropped columns and with hashed ones as marked strings."""
    fields = []
    for f in schema:
        action, role = secrets.get(f.name, (Secret.KEEP, ColumnRole.OTHER))
        if action is Secret.DROP:
            continue
        if action is Secret.HMAC:
            f = pa.field(f.name, pa.string(), True, secret_metadata(role, f.metadata))
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def apply_secrets(batch: pa.RecordBatch, secrets: Secrets, key: bytes) -> pa.RecordBatch:
    """``batch`` minimised: dropped columns removed, hashed ones keyed-hashed."""
    if not any(action is not Secret.KEEP for action, _ in secrets.values()):
        return batch
    schema = minimised_schema(batch.schema, secrets)
    columns = []
    for f in schema:
        column = batch.column(batch.schema.get_field_index(f.name))
        action, _ = secrets.get(f.name, (Secret.KEEP, ColumnRole.OTHER))
        columns.append(keyed_hash(key, column) if action is Secret.HMAC else column)
    return pa.RecordBatch.from_arrays(columns, schema=schema)

"""Keyed hashes and the minimised raw batches."""

from __future__ import annotations

import pyarrow as pa

from intercop.evidence.mapping import ColumnRole, Secret
from intercop.evidence.minimise import apply_secrets, keyed_hash, minimised_schema
from intercop.evidence.schema import SECRET_KEY, SQL_TYPE_KEY

K1, K2 = b"1" * 32, b"2" * 32


def test_keyed_hash_is_stable_key_dependent_and_keeps_nulls() -> None:
    values = pa.array(["$2y$10$abc", None, "$2y$10$abc", "other"])
    first = keyed_hash(K1, values).to_pylist()
    assert first == keyed_hash(K1, values).to_pylist()
    assert first[1] is None
    assert first[0] == first[2] != first[3]
    assert first[0].startswith("hmac-sha256:") and len(first[0]) == len("hmac-sha256:") + 64
    # hmac.new(b"1"*32, b"$2y$10$abc", sha256), computed independently
    import hashlib
    import hmac

    assert first[0] == "hmac-sha256:" + hmac.new(K1, b"$2y$10$abc", hashlib.sha256).hexdigest()
    assert keyed_hash(K2, values).to_pylist()[0] != first[0]


def test_keyed_hash_of_binary_and_integers() -> None:
    assert (
        keyed_hash(K1, pa.array([b"abc"])).to_pylist()
        == keyed_hash(K1, pa.array(["abc"])).to_pylist()
    )
    assert (
        keyed_hash(K1, pa.array([42, None])).to_pylist()[0]
        == keyed_hash(K1, pa.array(["42"])).to_pylist()[0]
    )


def test_apply_secrets_drops_and_hashes_with_field_metadata() -> None:
    schema = pa.schema(
        [
            pa.field("id", pa.int64(), metadata={SQL_TYPE_KEY: b"int(11)"}),
            pa.field("password", pa.string(), metadata={SQL_TYPE_KEY: b"varchar(60)"}),
            pa.field("typed", pa.string()),
        ]
    )
    batch = pa.RecordBatch.from_pylist(
        [{"id": 1, "password": "$2y$x", "typed": "hunter2"}], schema=schema
    )
    secrets = {
        "password": (Secret.HMAC, ColumnRole.PASSWORD_HASH),
        "typed": (Secret.DROP, ColumnRole.PASSWORD_PLAIN),
    }
    out = apply_secrets(batch, secrets, K1)
    assert out.schema.names == ["id", "password"]
    assert out.schema == minimised_schema(schema, secrets)
    meta = out.schema.field("password").metadata
    assert meta[SECRET_KEY] == b"hmac:password_hash"
    assert meta[SQL_TYPE_KEY] == b"varchar(60)"
    assert out.column(1).to_pylist()[0].startswith("hmac-sha256:")
    assert "hunter2" not in str(out.to_pylist())
    assert apply_secrets(batch, {}, K1) is batch

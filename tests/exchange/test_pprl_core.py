"""PPRL core: encoding, secrets, matching, refs, without a workspace or a terminal."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from intercop.exchange.pprl.clk import qgrams
from intercop.exchange.pprl.dice import DiceScan, cdice
from intercop.exchange.pprl.encoding import (
    Encoding,
    encode_records,
    read_encoding,
    write_encoding,
)
from intercop.exchange.pprl.errors import EncodingFileError, EncodingMismatchError, SecretError
from intercop.exchange.pprl.match import greedy_pairs, match
from intercop.exchange.pprl.resolve import resolve_pairs
from intercop.exchange.pprl.schema import make_schema
from intercop.exchange.pprl.secret import (
    ExchangeSecret,
    fingerprint_of,
    load_secret,
    reference,
    reference_key,
)
from intercop.exchange.pprl.sources import csv_records
from tests.exchange.pprl_people import Person, planted

SECRET = ExchangeSecret(bytes(range(32)))
KEY_A, KEY_B = b"a" * 32, b"b" * 32
SCHEMA = make_schema()


def as_records(
    persons: list[Person], workspace_key: bytes, secret: ExchangeSecret = SECRET
) -> list[tuple[str, dict[str, list[str]]]]:
    key = reference_key(workspace_key, secret.fingerprint)
    return [(reference(key, p.person_id), {
        "first_name": [p.first_name], "last_name": [p.last_name],
        "birth_date": [p.birth_date.isoformat()], "email": [p.email], "username": [p.username],
    }) for p in persons]  # fmt: skip


def encoded(
    persons: list[Person], workspace_key: bytes, secret: ExchangeSecret = SECRET
) -> Encoding:
    return encode_records(as_records(persons, workspace_key, secret), SCHEMA, secret)


def test_planted_overlap_is_found_and_resolved_by_each_side() -> None:
    a, b, truth = planted()
    # homonyms are common in this population (same name, e-mail built from the name),
    # so the stricter threshold docs/pprl.md advises for such populations
    result = match(encoded(a, KEY_A), encoded(b, KEY_B), threshold=0.8)
    assert result.overlap == len(truth) == 30
    data = result.as_json(with_pairs=True)
    mine_a = resolve_pairs(data, KEY_A, [p.person_id for p in a])
    mine_b = resolve_pairs(data, KEY_B, [p.person_id for p in b])
    assert {r.side for r in mine_a} == {"a"} and {r.side for r in mine_b} == {"b"}
    found = {x.person_id: y.person_id for x, y in zip(mine_a, mine_b, strict=True)}
    assert found == truth


def test_refs_cannot_be_resolved_without_the_workspace_key() -> None:
    a, b, _ = planted()
    data = match(encoded(a, KEY_A), encoded(b, KEY_B), threshold=0.8).as_json(with_pairs=True)
    ids = [p.person_id for p in a + b]
    assert resolve_pairs(data, b"z" * 32, ids) == []
    # nor by the partner with its own key: its key only opens its own side
    assert {r.side for r in resolve_pairs(data, KEY_B, ids)} == {"b"}


def test_encodings_with_different_secrets_refuse_to_match() -> None:
    a, b, _ = planted()
    other = ExchangeSecret(bytes(range(1, 33)))
    with pytest.raises(EncodingMismatchError, match="different secrets"):
        match(encoded(a, KEY_A), encoded(b, KEY_B, other))


def test_different_schemas_refuse_to_match() -> None:
    a, b, _ = planted()
    ea = encoded(a, KEY_A)
    eb = encode_records(as_records(b, KEY_B), make_schema(("email",)), SECRET)
    with pytest.raises(EncodingMismatchError, match="schemas"):
        match(ea, eb)


def test_short_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    path.write_bytes(b"k" * 31 + b"\n")
    with pytest.raises(SecretError, match="31 bytes; at least 32"):
        load_secret(path)
    with pytest.raises(SecretError, match="does not exist"):
        load_secret(tmp_path / "missing")
    path.write_bytes(b"k" * 32 + b"\n")
    assert load_secret(path).fingerprint == fingerprint_of(b"k" * 32)
    assert "kkkk" not in repr(load_secret(path))


def test_encoding_is_deterministic_for_the_same_secret() -> None:
    a, _, _ = planted()
    one, two = encoded(a, KEY_A), encoded(a, KEY_A)
    assert one.refs == two.refs and np.array_equal(one.clks, two.clks)
    third = encoded(a, KEY_A, ExchangeSecret(b"\xff" * 32))
    assert not np.array_equal(one.clks, third.clks)
    # a new exchange (secret) gives new refs: refs cannot be linked across exchanges
    assert not set(one.refs) & set(third.refs)


def test_output_holds_no_plaintext_identifiers(tmp_path: Path) -> None:
    a, _, _ = planted()
    path = tmp_path / "enc.json"
    write_encoding(encoded(a, KEY_A), path)
    text = path.read_text()
    data = json.loads(text)
    assert all(set(r) == {"ref", "clk"} for r in data["records"])
    # short values may occur by chance inside base64: scan everything but the CLKs for
    # every value, and the whole file for the longer ones
    without_clks = text
    for r in data["records"]:
        without_clks = without_clks.replace(r["clk"], "")
    for p in a:
        for value in (p.person_id, p.first_name, p.last_name, p.email, p.username,
                      p.birth_date.isoformat(), p.email.split("@")[0]):  # fmt: skip
            assert value.casefold() not in without_clks.casefold(), value
            if len(value) >= 8:
                assert value not in text, value
    assert SECRET.value.hex() not in text
    back = read_encoding(path)
    assert back.refs == encoded(a, KEY_A).refs and back.count == len(a)


def test_records_without_any_value_are_left_out() -> None:
    enc = encode_records([("r1", {"email": [" "]}), ("r2", {"email": ["x@y.z"]})], SCHEMA, SECRET)
    assert enc.refs == ("r2",)


def test_gemm_and_popcount_kernels_agree() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (37, 128), dtype=np.uint8)
    b = rng.integers(0, 256, (53, 128), dtype=np.uint8)
    by_gemm = DiceScan(0.5, "gemm").matrix(a, b)
    by_popcount = DiceScan(0.5, "popcount").matrix(a, b)
    assert np.allclose(by_gemm, by_popcount)
    expected = 2 * np.unpackbits(a[0] & b[0]).sum() / (np.unpackbits(a[0]).sum()
                                                        + np.unpackbits(b[0]).sum())  # fmt: skip
    assert by_gemm[0, 0] == pytest.approx(expected)
    blocked = list(DiceScan(0.5, "gemm", block=10).candidates(a, b))
    rows = np.concatenate([r for r, _, _ in blocked])
    assert len(rows) == int((by_gemm >= 0.5).sum())


def test_greedy_solving_is_one_to_one() -> None:
    a, _, _ = planted(seed=2)
    twins = [replace(a[0], person_id=f"twin-{i}") for i in range(3)]
    result = match(encoded(a[:5], KEY_A), encoded(twins, KEY_B), threshold=0.99)
    assert result.overlap == 1  # three identical persons on B: only one may take a[0]
    assert result.pairs[0][2] == pytest.approx(1.0)


def test_qgrams_are_padded_and_cleaned() -> None:
    assert qgrams("  Ab ", 2) == {" a", "ab", "b "}
    assert qgrams("", 2) == set()


def test_bad_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(EncodingFileError, match="not a PPRL encoding"):
        read_encoding(path)
    path.write_text("not json")
    with pytest.raises(EncodingFileError, match="not JSON"):
        read_encoding(path)


def test_csv_input_for_febrl_style_files(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("rec_id,given_name,surname,date_of_birth\nrec-1-org,jan,smit,19990102\n")
    columns = {"first_name": ("given_name",), "last_name": ("surname",),
               "birth_date": ("date_of_birth",)}  # fmt: skip
    rows = list(csv_records(path, "rec_id", columns))
    assert rows == [("rec-1-org", {"first_name": ["jan"], "last_name": ["smit"],
                                    "birth_date": ["1999-01-02"]})]  # fmt: skip


def test_vectorised_greedy_equals_the_plain_greedy_loop() -> None:
    rng = np.random.default_rng(9)
    n = 4000
    rows, cols = rng.integers(0, 300, n), rng.integers(0, 250, n)
    scores = rng.random(n).astype(np.float32)
    refs_a, refs_b = rng.integers(0, 200, 300), rng.integers(0, 180, 250)
    got = greedy_pairs(rows, cols, scores, refs_a, refs_b)
    ra, rb, sc = refs_a[rows], refs_b[cols], scores.astype(np.float64)
    used_a: set[int] = set()
    used_b: set[int] = set()
    expected = []
    for i in np.lexsort((rb, ra, -sc)):
        if ra[i] in used_a or rb[i] in used_b:
            continue
        used_a.add(int(ra[i]))
        used_b.add(int(rb[i]))
        expected.append((int(ra[i]), int(rb[i]), float(sc[i])))
    assert got == expected


@pytest.mark.skipif(cdice is None, reason="the cdice extension is not built (no C compiler)")
def test_native_scan_agrees_with_numpy() -> None:
    rng = np.random.default_rng(4)
    for width in (128, 64):  # 1024 bits (the unrolled path) and 512
        a = np.packbits(rng.random((70, width * 8)) < 0.5, axis=1)
        b = np.concatenate([a[:20], np.packbits(rng.random((40, width * 8)) < 0.5, axis=1)])
        expected = DiceScan(0.55, "popcount").matrix(a, b)
        found = list(DiceScan(0.55, "native", block=16).candidates(a, b))
        rows = np.concatenate([r for r, _, _ in found])
        cols = np.concatenate([c for _, c, _ in found])
        scores = np.concatenate([s for _, _, s in found])
        assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == sorted(
            zip(*np.nonzero(expected >= 0.55), strict=True)
        )
        assert np.allclose(scores, expected[rows, cols])

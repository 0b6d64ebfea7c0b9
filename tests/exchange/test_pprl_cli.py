"""``intercop exchange pprl encode/match/resolve`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intercop.audit import search
from intercop.cli.app import app
from intercop.store.database import open_store
from intercop.workspace import Workspace, init_workspace
from tests.exchange.pprl_people import planted, write_derived

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--workspace", str(home), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        return 1, str(result.exception)
    return result.exit_code, result.stdout


@pytest.fixture
def agencies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Workspace, Workspace, dict[str, str], Path]:
    monkeypatch.delenv("INTERCOP_DATABASE_URL", raising=False)
    monkeypatch.delenv("INTERCOP_USER", raising=False)
    a, b, truth = planted(seed=5, n_a=60, n_b=50, shared=12)
    nl, fi = init_workspace(tmp_path / "nl"), init_workspace(tmp_path / "fi")
    write_derived(nl, a)
    write_derived(fi, b)
    for ws, name, agency in ((nl, "ana", "NL"), (fi, "aino", "FI")):
        code, out = run(ws.root, "user", "add", name, "--role", "analyst", "--agency", agency)
        assert code == 0, out
    secret = tmp_path / "exchange.secret"
    secret.write_bytes(bytes(range(40)))
    return nl, fi, truth, secret


def test_encode_match_resolve_round_trip(
    agencies: tuple[Workspace, Workspace, dict[str, str], Path], tmp_path: Path
) -> None:
    nl, fi, truth, secret = agencies
    enc_nl, enc_fi = tmp_path / "nl.json", tmp_path / "fi.json"
    code, out = run(nl.root, "exchange", "pprl", "encode", "--secret-file", str(secret),
                    "--out", str(enc_nl), "--user", "ana", "--json")  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["count"] == 60
    code, out = run(fi.root, "exchange", "pprl", "encode", "--secret-file", str(secret),
                    "--out", str(enc_fi), "--user", "aino")  # fmt: skip
    assert code == 0, out
    result = tmp_path / "result.json"
    code, out = run(nl.root, "exchange", "pprl", "match", str(enc_nl), str(enc_fi),
                    "--threshold", "0.8", "--pairs", "--out", str(result),
                    "--user", "ana", "--json")  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert data["overlap"] == 12 and data["comparisons"] == 60 * 50
    assert len(data["pairs"]) == 12
    code, out = run(nl.root, "exchange", "pprl", "resolve", str(result), "--user", "ana",
                    "--json")  # fmt: skip
    mine = json.loads(out)["resolved"]
    code, out = run(fi.root, "exchange", "pprl", "resolve", str(result), "--user", "aino",
                    "--json")  # fmt: skip
    theirs = {r["ref"]: r["person_id"] for r in json.loads(out)["resolved"]}
    assert {r["person_id"]: theirs[r["partner_ref"]] for r in mine} == truth
    # the count alone, without pairs
    code, out = run(nl.root, "exchange", "pprl", "match", str(enc_nl), str(enc_fi),
                    "--threshold", "0.8", "--user", "ana", "--json")  # fmt: skip
    assert "pairs" not in json.loads(out)
    with open_store(nl) as store, store.session() as session:
        actions = [e.action for e in search(session)]
        detail = json.loads(next(e.detail for e in search(session) if e.action == "pprl.match"))
    assert {"pprl.encode", "pprl.match", "pprl.resolve"} <= set(actions)
    assert detail["overlap"] == 12 and len(detail["secret_fingerprint"]) == 64


def test_short_secret_and_other_secret_are_refused(
    agencies: tuple[Workspace, Workspace, dict[str, str], Path], tmp_path: Path
) -> None:
    nl, fi, _, secret = agencies
    short = tmp_path / "short.secret"
    short.write_bytes(b"0123456789")
    code, message = run(nl.root, "exchange", "pprl", "encode", "--secret-file", str(short),
                        "--out", str(tmp_path / "x.json"), "--user", "ana")  # fmt: skip
    assert code == 1 and "10 bytes; at least 32" in message
    other = tmp_path / "other.secret"
    other.write_bytes(bytes(range(1, 41)))
    run(nl.root, "exchange", "pprl", "encode", "--secret-file", str(secret),
        "--out", str(tmp_path / "a.json"), "--user", "ana")  # fmt: skip
    run(fi.root, "exchange", "pprl", "encode", "--secret-file", str(other),
        "--out", str(tmp_path / "b.json"), "--user", "aino")  # fmt: skip
    code, message = run(nl.root, "exchange", "pprl", "match", str(tmp_path / "a.json"),
                        str(tmp_path / "b.json"), "--user", "ana")  # fmt: skip
    assert code == 1 and "different secrets" in message

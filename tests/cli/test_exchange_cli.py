"""``intercop agency`` and ``intercop exchange keys/export/import/authorise`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from intercop.cli.app import app
from tests.exchange.fixtures import P_REF, Network, network

__all__ = ["network"]

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        return 1, str(result.exception)
    return result.exit_code, result.stdout


def test_keys_then_agency_add_and_list(network: Network) -> None:
    code, out = run("exchange", "keys", "--agency", "PT", "--json")
    assert code == 0, out
    keys = json.loads(out)
    assert keys["created"] and keys["agency"] == "PT"
    assert "secret" not in out and "seed" not in out
    code, again = run("exchange", "keys", "--agency", "PT", "--json")
    assert json.loads(again)["sign_key"] == keys["sign_key"] and not json.loads(again)["created"]
    code, out = run("agency", "add", "PT", "--sign-key", keys["sign_key"], "--box-key",
                    keys["box_key"], "--user", "sam", "--json")  # fmt: skip
    assert code == 0, out
    added = json.loads(out)
    assert added["outcome"] == "added" and added["eu"] is True
    assert added["sign_fingerprint"] == keys["sign_fingerprint"]
    code, out = run("agency", "add", "ZZ", "--name", "Zedland police", "--no-eu", "--user",
                    "sam", "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["eu"] is False
    code, out = run("agency", "list", "--json")
    assert [a["code"] for a in json.loads(out)] == ["FI", "NL", "PT", "SE", "US", "ZZ"]
    code, out = run("agency", "add", "PT", "--user", "olle")
    assert code == 1 and "agency.manage" in out


def test_export_import_and_audit_through_the_cli(network: Network, tmp_path: Path) -> None:
    bundle = tmp_path / "referral.icb"
    code, out = run("exchange", "export", P_REF, "--to", "FI", "--out", str(bundle),
                    "--user", "sam", "--handling", "h1", "--tlp", "TLP:RED", "--json")  # fmt: skip
    assert code == 0, out
    sent = json.loads(out)
    assert (sent["handling"], sent["tlp"], sent["recipient"]) == ("H1", "red", "FI")
    code, out = run("exchange", "import", str(bundle), "--agency", "FI", "--user", "fin",
                    "--json")  # fmt: skip
    assert code == 0, out
    got = json.loads(out)
    assert got["new_case"] and got["bundle_id"] == sent["bundle_id"]
    code, out = run("case", "show", str(got["case_id"]), "--user", "fin", "--json")
    assert code == 0 and json.loads(out)["agency"] == "FI"
    code, out = run("exchange", "import", str(bundle), "--agency", "FI", "--user", "fin")
    assert code == 1 and "(replay)" in out
    code, out = run("exchange", "import", str(bundle), "--agency", "SE", "--user", "sven")
    assert code == 1 and "addressed to FI, not SE" in out
    code, out = run("audit", "verify", "--user", "aud", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out = run("audit", "show", "--action", "exchange.refuse", "--user", "aud", "--json")
    refused = json.loads(out)
    assert code == 0 and len(refused) == 2, out
    assert {(e["user"], e["agency"]) for e in refused} == {("fin", "FI"), ("sven", "SE")}
    assert any("addressed to FI, not SE" in e["reason"] for e in refused)


def test_a_non_eu_export_is_refused_until_authorised(network: Network, tmp_path: Path) -> None:
    bundle = tmp_path / "us.icb"
    args = ("exchange", "export", P_REF, "--to", "US", "--out", str(bundle), "--user", "sam")
    code, out = run(*args)
    assert code == 1 and "outside the EU" in out and not bundle.exists()
    code, out = run("exchange", "authorise", P_REF, "--to", "US", "--reason",
                    "MLAT 2026/17", "--user", "sam", "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["authorised_by"] == "sam"
    code, out = run(*args)
    assert code == 0 and bundle.exists(), out
    code, out = run("exchange", "import", str(bundle), "--agency", "US", "--user", "usa")
    assert code == 0, out

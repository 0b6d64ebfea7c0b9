"""``intercop retention`` and ``intercop audit export`` through the real entry point."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from intercop.synth import Scenario
from tests.cli.store_home import home, run

__all__ = ["home"]


def test_enforce_then_export_the_log(home: Path, takedowns: Scenario, tmp_path: Path) -> None:
    run(home, "user", "add", "ada", "--role", "admin", "--agency", "NL")
    run(home, "user", "add", "dpo", "--role", "auditor", "--agency", "NL", "--user", "ada")
    small = min(takedowns.files, key=lambda f: (takedowns.out / f.path).stat().st_size)
    code, out = run(home, "ingest", str(takedowns.out / small.path), "--platform",
                    small.platform, "--seized-on", "2024-01-01", "--json")  # fmt: skip
    assert code == 0, out
    dataset = json.loads(out)["dataset_id"]

    code, out = run(home, "retention", "show", "--today", "2100-01-01", "--json")
    assert code == 0 and json.loads(out)["datasets"][0]["expired"] is True
    code, out = run(home, "retention", "enforce", "--today", "2100-01-01", "--dry-run",
                    "--json", "--user", "ada")  # fmt: skip
    assert code == 0 and json.loads(out)["dry_run"] and (home / "vault" / dataset).exists()
    code, message = run(home, "retention", "enforce", "--user", "dpo")
    assert code == 1 and "retention.enforce" in message
    code, out = run(home, "retention", "enforce", "--today", "2100-01-01", "--json",
                    "--user", "ada")  # fmt: skip
    assert code == 0, out
    report = json.loads(out)
    assert [d["dataset_id"] for d in report["datasets"]] == [dataset]
    assert not (home / "vault" / dataset).exists()

    jsonl = tmp_path / "log.jsonl"
    code, out = run(home, "audit", "export", "--out", str(jsonl), "--from", "2000-01-01",
                    "--to", "2100-01-01", "--user", "dpo", "--json")  # fmt: skip
    assert code == 0, out
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    by_action = {r["action"]: r["category"] for r in rows}
    assert by_action["dataset.ingest"] == "collection"
    assert by_action["retention.erase"] == "erasure"
    assert by_action["user.add"] == "system"
    erased = next(r for r in rows if r["action"] == "retention.erase")
    assert erased["object_id"] == dataset and erased["justification"]

    table = tmp_path / "erasure.csv"
    code, _ = run(home, "audit", "export", "--out", str(table), "--category", "erasure",
                  "--user", "dpo")  # fmt: skip
    assert code == 0
    with table.open() as fh:
        assert {r["category"] for r in csv.DictReader(fh)} == {"erasure"}
    code, message = run(home, "audit", "export", "--out", str(table), "--user", "ada")
    assert code == 1 and "audit.export" in message
    code, out = run(home, "audit", "verify", "--user", "dpo", "--json")
    assert code == 0 and json.loads(out)["ok"]
    code, out = run(home, "audit", "show", "--user", "dpo", "--action", "audit.export",
                    "--json")  # fmt: skip
    assert len(json.loads(out)) == 2

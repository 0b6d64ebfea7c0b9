"""Benchmark: does the pilot evaluation find a known effect? (issue 5, validation)

For each seed, the whole flow runs on a fresh synthetic scenario: synth, ingest, resolve,
triage, a randomised pilot of a warning e-mail, sending to the outbox, a later takedown in
which the warned come back with a true hazard ratio of 0.6 (``intercop.synth.followup``),
ingest and resolve again, and the pilot's evaluation (``intercop.simulation``). The Cox
hazard ratio of the warning among the members with an e-mail address, and its 95%
interval, are compared with the truth. Target: the interval covers 0.6 in at least 90%
of 50 seeds.

Peer, in the same run: the hazard ratio estimated from the generator's own ground truth
(the drawn return times, no ingest or identity resolution in between), by the same
Cox model. It shows how much of any miss comes from the platform's pipeline
(linking the later accounts to the right persons) rather than from chance.

Usage: python benchmarks/evaluation.py [--seeds 50] [--scale 1.0] [--workers 2]
Results: benchmarks/results/evaluation.json
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
TRUE_HR = 0.6


def one_seed(seed: int, scale: float) -> dict[str, Any]:
    """The whole flow for one seed; the estimate and the ground-truth peer."""
    import pandas as pd

    from intercop.evaluation.survival import fit_cox
    from intercop.evidence.ingest import IngestRequest, ingest
    from intercop.identity.resolve import ResolveOptions, resolve
    from intercop.settings import Settings
    from intercop.simulation import RoundOptions, run_pilot_round
    from intercop.store import open_store
    from intercop.synth import generate_takedowns
    from intercop.workspace import init_workspace

    logging.disable(logging.WARNING)
    root = Path(tempfile.mkdtemp(prefix=f"intercop-eval-{seed}-"))
    started = time.perf_counter()
    try:
        settings = Settings()
        workspace = init_workspace(root / "ws")
        scenario = generate_takedowns(root / "scenario", seed=seed, scale=scale)
        for f in scenario.files:
            request = IngestRequest(
                paths=(scenario.out / f.path,), platform=f.platform, kind=f.kind,
                seized_on=f.seized_on, agency=settings.agency,
            )  # fmt: skip
            ingest(workspace, request, settings)
        with open_store(workspace) as store:
            resolve(workspace, store, ResolveOptions())
            result = run_pilot_round(
                workspace, store, settings, RoundOptions(seed=seed, hazard_ratio=TRUE_HR)
            )
        row: dict[str, Any] = {"seed": seed, "seconds": round(time.perf_counter() - started, 1)}
        ev = result.reachable
        row["members"] = sum(f.allocated for f in ev.flow)
        row["events"] = {p.arm: p.events for p in ev.proportions}
        if ev.cox is None:
            row["estimate"] = None
            row["notes"] = list(ev.notes)
        else:
            term = next(c for c in ev.cox.coefficients if c.name.startswith("arm="))
            row["estimate"] = {"hr": term.exp_coef, "low": term.exp_ci_low,
                               "high": term.exp_ci_high}  # fmt: skip
        truth = json.loads(result.followup.truth.read_text())["persons"]
        frame = pd.DataFrame(
            {
                "days": [
                    (min(datetime.fromisoformat(t["back"]), result.seized_on)
                     - datetime.fromisoformat(t["t0"])).total_seconds() / 86400
                    for t in truth
                ],
                "event": [int(t["observed"]) for t in truth],
                "treated": [float(t["treated"]) for t in truth],
            }
        )  # fmt: skip
        peer = fit_cox(frame, "days", "event", ["treated"], what="ground truth")
        [c] = peer.coefficients
        row["ground_truth"] = {"hr": c.exp_coef, "low": c.exp_ci_low, "high": c.exp_ci_high}
        return row
    finally:
        shutil.rmtree(root, ignore_errors=True)


def geometric_mean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def safe_seed(seed: int, scale: float) -> dict[str, Any]:
    """``one_seed``, with a failure recorded (and counted as a miss) instead of raised."""
    try:
        return one_seed(seed, scale)
    except Exception as exc:  # reported in the results, never hidden
        return {"seed": seed, "error": f"{type(exc).__name__}: {exc}", "estimate": None,
                "ground_truth": None, "members": 0, "seconds": 0.0}  # fmt: skip


def covers(estimate: dict[str, float] | None) -> bool:
    return estimate is not None and estimate["low"] <= TRUE_HR <= estimate["high"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(safe_seed, s, args.scale) for s in seeds]
        for future in futures:
            row = future.result()
            rows.append(row)
            print(json.dumps(row), flush=True)
    ours = [covers(r["estimate"]) for r in rows]
    peer = [covers(r["ground_truth"]) for r in rows]
    estimates = [r["estimate"]["hr"] for r in rows if r["estimate"]]
    summary = {
        "benchmark": "evaluation",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "true_hazard_ratio": TRUE_HR,
        "seeds": len(rows),
        "scale": args.scale,
        "coverage": round(sum(ours) / len(rows), 3),
        "coverage_ground_truth": round(sum(peer) / len(rows), 3),
        "no_estimate": sum(1 for r in rows if r["estimate"] is None),
        "failed": [r for r in rows if "error" in r],
        "median_hr": round(statistics.median(estimates), 3) if estimates else None,
        "geometric_mean_hr": round(geometric_mean(estimates), 3) if estimates else None,
        "median_members": statistics.median(r["members"] for r in rows),
        "median_seconds_per_seed": statistics.median(r["seconds"] for r in rows),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "target": ">= 0.90 of the 95% intervals cover the true hazard ratio",
        "rows": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "evaluation.json"
    out.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=1))
    if summary["coverage"] < 0.9:
        sys.exit(f"coverage {summary['coverage']} is below the target of 0.90")


if __name__ == "__main__":
    main()

"""Benchmark: identity resolution of 1,000,000 synthetic accounts, DuckDB and Spark.

`intercop synth takedowns --activity 0.1` writes the seven seized platforms of the
default scenario (booters, forums, markets) at the scale that gives the requested
number of accounts, with a handful of events each, and their ground truth (cached in
benchmarks/.work/). Every file is ingested into a fresh workspace with
`intercop ingest`, then `intercop -v resolve --json --retrain` runs once per engine.
Reports wall time, peak RSS, accounts, persons, model pairs, the time of each stage
(from the resolver's INFO logs) and pairwise/B-cubed scores against the ground truth.
Results: benchmarks/results/resolve.json (or resolve-<N>.json for other sizes).

Target (issue 3): DuckDB under 10 minutes and 8 GB at 1,000,000 accounts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from measure import Run, measure

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
INTERCOP = str(BIN / "intercop")
#: accounts per unit of --scale of the default scenario (measured: 21,641 at scale 10)
ACCOUNTS_PER_SCALE = 2164.1
#: the resolver's INFO lines that end each stage, in order
STAGE_ENDS = (
    ("records", re.compile(r"built \d+ account records")),
    ("strong_links", re.compile(r"\d+ strong links, \d+ hubs")),
    ("training", re.compile(r"linkage model (trained|loaded)")),
    ("prediction", re.compile(r"pairs at match probability")),
    ("profiles", re.compile(r"\d+ profiles in ([\d.]+) s")),
)


def measure_logged(cmd: list[str], env: dict[str, str]) -> tuple[Run, int, list[tuple[float, str]]]:
    """Like `measure`, but output is read as it comes and each line stamped with its time.

    Rich's log handler prints to stdout, so with `-v` the logs and the `--json`
    document share stdout: the caller reads the result from the workspace instead.
    """
    lines: list[tuple[float, str]] = []
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "240", **env},
    )

    def read(stream: Any) -> None:
        for raw in stream:
            lines.append((time.perf_counter() - started, raw.decode(errors="replace").rstrip()))

    readers = [threading.Thread(target=read, args=(s,)) for s in (proc.stdout, proc.stderr)]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    for r in readers:
        r.join()
    lines.sort()
    code = os.waitstatus_to_exitcode(status)
    return Run(elapsed, usage.ru_maxrss / 1024, ""), code, lines


def stages(lines: list[tuple[float, str]], wall: float) -> dict[str, float]:
    """Seconds of each resolver stage, from the times its INFO lines were printed."""
    ends: dict[str, float] = {}
    profile_seconds = None
    for at, line in lines:
        for name, pattern in STAGE_ENDS:
            found = pattern.search(line)
            if found and name not in ends:
                ends[name] = at
                if name == "profiles":
                    profile_seconds = float(found.group(1))
    result: dict[str, float] = {}
    previous = 0.0
    for name in ("records", "strong_links", "training", "prediction"):
        if name in ends:
            result[name] = round(ends[name] - previous, 1)
            previous = ends[name]
    if "profiles" in ends and profile_seconds is not None:
        # clustering, person ids and the Parquet writes log nothing of their own: they
        # are the gap between the scored pairs and the start of the profiles
        result["clustering_and_ids"] = round(ends["profiles"] - profile_seconds - previous, 1)
        result["profiles"] = round(profile_seconds, 1)
        previous = ends["profiles"]
    result["exit"] = round(wall - previous, 1)
    return result


def generate(scenario: Path, accounts: int, seed: int, workers: int) -> dict[str, Any]:
    """Write (or reuse) the scenario; returns how long writing it took when it was written."""
    meta = scenario.parent / "synth.json"
    if (scenario / "scenario.json").exists() and meta.exists():
        cached: dict[str, Any] = json.loads(meta.read_text())
        cached["cached"] = True
        return cached
    shutil.rmtree(scenario, ignore_errors=True)
    scale = accounts / ACCOUNTS_PER_SCALE
    print(f"generating {scenario} (scale {scale:.3f}) ...", flush=True)
    run = measure(
        [INTERCOP, "synth", "takedowns", "--out", str(scenario), "--seed", str(seed),
         "--scale", f"{scale:.3f}", "--activity", "0.1", "--workers", str(workers), "--json"]
    )  # fmt: skip
    written = json.loads(run.stdout)
    result = {
        "seconds": round(run.seconds, 1),
        "peak_rss_mb": round(run.peak_rss_mb),
        "scale": written["scale"],
        "activity": 0.1,
        "workers": workers,
        "accounts": written["accounts"],
        "persons": written["persons"],
        "files": len(written["files"]),
        "bytes": sum(f["bytes"] for f in written["files"]),
    }
    meta.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  {run.seconds:.1f} s, {written['accounts']:,} accounts", flush=True)
    return result


def ingest_all(scenario: Path, ws: Path) -> dict[str, Any]:
    """Ingest every file of the scenario into a fresh workspace, one `intercop ingest` each."""
    shutil.rmtree(ws, ignore_errors=True)
    env = {"INTERCOP_HOME": str(ws)}
    measure([INTERCOP, "init"], env=env)
    described = json.loads((scenario / "scenario.json").read_text())
    files = []
    for f in described["files"]:
        run = measure(
            [INTERCOP, "ingest", str(scenario / f["path"]), "--platform", f["platform"],
             "--kind", f["kind"], "--seized-on", f["seized_on"], "--json"],
            env=env,
        )  # fmt: skip
        summary = json.loads(run.stdout)
        files.append(
            {"file": f["path"], "seconds": round(run.seconds, 1),
             "peak_rss_mb": round(run.peak_rss_mb), "accounts": summary["accounts"],
             "events": summary["events"]}
        )  # fmt: skip
        print(f"  ingest {f['path']}: {run.seconds:.1f} s, {summary['accounts']:,} accounts",
              flush=True)  # fmt: skip
    return {
        "seconds": round(sum(f["seconds"] for f in files), 1),
        "peak_rss_mb": max(f["peak_rss_mb"] for f in files),
        "files": files,
    }


def evaluate(ws: Path, scenario: Path) -> dict[str, Any]:
    """Pairwise and B-cubed scores of the last resolve run against the ground truth."""
    from intercop.identity.evaluate import load_truth, score
    from intercop.identity.persons import person_of
    from intercop.workspace import open_workspace

    workspace = open_workspace(ws)
    scores = score(person_of(workspace), load_truth(workspace, scenario))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.__dict__.items()}


def resolve(ws: Path, scenario: Path, engine: str) -> dict[str, Any]:
    """One measured `intercop resolve --retrain` on ``engine``, with stages and scores."""
    (ws / "derived" / "resolve.json").unlink(missing_ok=True)  # never read a stale run
    cmd = [INTERCOP, "-v", "resolve", "--engine", engine, "--retrain", "--json"]
    run, code, lines = measure_logged(cmd, {"INTERCOP_HOME": str(ws)})
    (ws.parent / f"resolve-{engine}.log").write_text(
        "\n".join(f"{at:8.1f} {line}" for at, line in lines) + "\n"
    )
    if code != 0:
        # a failed run is a result too: how far it got, in how long, with how much memory
        failed = {
            "engine": engine, "failed": True, "exit_code": code,
            "wall_s": round(run.seconds, 1), "peak_rss_mb": round(run.peak_rss_mb),
            "stages_s": stages(lines, run.seconds),
            "error": next((line for _, line in reversed(lines) if "error" in line), ""),
        }  # fmt: skip
        print(f"  {engine}: FAILED after {run.seconds:.1f} s: {failed['error']}", flush=True)
        return failed
    summary = json.loads((ws / "derived" / "resolve.json").read_text())
    result = {
        "engine": engine,
        "wall_s": round(run.seconds, 1),
        "peak_rss_mb": round(run.peak_rss_mb),
        "accounts": summary["accounts"],
        "persons": summary["persons"],
        "model_pairs": summary["model_links"],
        "strong_links": summary["strong_links"],
        "links_merged": summary["links"],
        "review": summary["review"],
        "largest_person": summary["largest_person"],
        # the resolver reports the pairs above the threshold, not the candidate pairs
        # its blocking rules generated and scored
        "candidate_pairs_compared": summary.get("pairs_compared"),
        "stages_s": stages(lines, run.seconds),
        "resolver_seconds": summary["seconds"],
        "hubs": len(summary["hubs"]),
        "notes": summary["notes"],
        "evaluation": evaluate(ws, scenario),
    }
    ev = result["evaluation"]
    print(
        f"  {engine}: {run.seconds:.1f} s, peak {run.peak_rss_mb:,.0f} MB, "
        f"{summary['accounts']:,} accounts -> {summary['persons']:,} persons, "
        f"{summary['model_links']:,} model pairs; P {ev['precision']:.4f} "
        f"R {ev['recall']:.4f} F1 {ev['f1']:.4f}; stages {result['stages_s']}",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    args = parser.parse_args()

    root = args.work / f"resolve-{args.accounts}"
    root.mkdir(parents=True, exist_ok=True)
    scenario = root / "scenario"
    synth = generate(scenario, args.accounts, args.seed, args.workers)
    print("ingesting ...", flush=True)
    ws = root / "ws"
    ingested = ingest_all(scenario, ws)
    runs = []
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        print(f"resolving with {engine} ...", flush=True)
        runs.append(resolve(ws, scenario, engine))
    result: dict[str, Any] = {
        "benchmark": "resolve",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "accounts_requested": args.accounts,
        "synth": synth,
        "ingest": ingested,
        "resolve": runs,
        "target": {"engine": "duckdb", "wall_s": 600, "peak_rss_mb": 8192},
    }
    duck = next((r for r in runs if r["engine"] == "duckdb"), None)
    if duck is not None:
        result["target"]["met"] = (
            not duck.get("failed") and duck["wall_s"] < 600 and duck["peak_rss_mb"] < 8192
        )
    name = "resolve.json" if args.accounts == 1_000_000 else f"resolve-{args.accounts}.json"
    out = HERE / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

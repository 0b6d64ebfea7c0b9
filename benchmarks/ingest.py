"""Benchmark: ingest of a >= 1 GB synthetic booter mysqldump vs MariaDB's own restore.

Both run on the same file in the same run. Reports MB/s, rows/s and peak memory of
`intercop ingest`, and the time the `mysql` client takes to restore the dump into the
local MariaDB (127.0.0.1:3306, root). Results: benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure, median

HERE = Path(__file__).parent
BIN = Path(sys.executable).parent
INTERCOP = str(BIN / "intercop")


def mysql_client() -> str:
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        raise SystemExit("the mysql/mariadb client is needed for the peer measurement")
    return client


#: server settings of the "tuned" peer: no fsync per commit, a buffer pool that holds the data
TUNED = {"innodb_flush_log_at_trx_commit": "2", "innodb_buffer_pool_size": str(4 * 1024**3)}


def server_variables(base: list[str], names: list[str]) -> dict[str, str]:
    """Current global values of MariaDB server variables."""
    listed = ",".join(f"'{n}'" for n in names)
    out = subprocess.run(
        [*base, "-N", "-e", f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({listed})"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split("\t", 1) for line in out.strip().splitlines())


def restore_seconds(dump: Path, config: str) -> tuple[float, float, dict[str, str]]:
    """Time `mysql db < dump` into a fresh database, with the server as configured
    ("stock") or tuned for bulk loading ("tuned"); returns (seconds, client MB, settings)."""
    client = mysql_client()
    base = [client, "-h127.0.0.1", "-uroot"]
    before = server_variables(base, list(TUNED))
    if config == "tuned":
        sets = "; ".join(f"SET GLOBAL {k} = {v}" for k, v in TUNED.items())
        subprocess.run([*base, "-e", sets], check=True)
    used = server_variables(base, list(TUNED))
    subprocess.run(
        [*base, "-e", "DROP DATABASE IF EXISTS intercop_bench; CREATE DATABASE intercop_bench"],
        check=True,
    )
    try:
        run = measure([*base, "intercop_bench"], stdin=dump)
    finally:
        subprocess.run([*base, "-e", "DROP DATABASE IF EXISTS intercop_bench"], check=True)
        restore = "; ".join(f"SET GLOBAL {k} = {v}" for k, v in before.items())
        subprocess.run([*base, "-e", restore], check=True)
    return run.seconds, run.peak_rss_mb, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--restore-repeat", type=int, default=1)
    parser.add_argument(
        "--peer",
        default="stock,tuned",
        help="MariaDB configurations to restore with: stock, tuned or both",
    )
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    args = parser.parse_args()

    args.work.mkdir(parents=True, exist_ok=True)
    dump = args.work / f"booter-{args.size_mb}mb.sql"
    if not dump.exists():
        print(f"generating {dump} ...", flush=True)
        gen = measure(
            [
                INTERCOP,
                "synth",
                "booter",
                "--out",
                str(dump),
                "--size-mb",
                str(args.size_mb),
                "--seed",
                "1",
            ]
        )
        print(f"  {gen.seconds:.1f} s", flush=True)
    size_mb = dump.stat().st_size / 1e6

    runs = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(dir=args.work) as ws:
            env = {"INTERCOP_HOME": ws}
            measure([INTERCOP, "init"], env=env)
            run = measure(
                [
                    INTERCOP,
                    "ingest",
                    str(dump),
                    "--platform",
                    "bench",
                    "--kind",
                    "booter",
                    "--json",
                ],
                env=env,
            )
            summary = json.loads(run.stdout)
            rows = sum(summary["tables"].values())
            runs.append(
                {
                    "seconds": run.seconds,
                    "peak_rss_mb": run.peak_rss_mb,
                    "rows": rows,
                    "events": summary["events"],
                    "accounts": summary["accounts"],
                }
            )
            print(
                f"ingest run {i + 1}: {run.seconds:.1f} s, peak {run.peak_rss_mb:.0f} MB, "
                f"{rows:,} rows",
                flush=True,
            )

    ingest_s = median([r["seconds"] for r in runs])
    rows = runs[0]["rows"]
    result: dict[str, object] = {
        "benchmark": "ingest",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "dump_mb": round(size_mb, 1),
        "rows": rows,
        "ingest_runs": runs,
        "ingest_median_s": round(ingest_s, 2),
        "ingest_mb_per_s": round(size_mb / ingest_s, 1),
        "ingest_rows_per_s": round(rows / ingest_s),
        "ingest_peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "mariadb": {},
    }
    for config in [c.strip() for c in args.peer.split(",") if c.strip()]:
        restores = []
        for i in range(args.restore_repeat):
            seconds, peak, used = restore_seconds(dump, config)
            restores.append({"seconds": seconds, "client_peak_rss_mb": peak, "settings": used})
            print(f"mysql restore ({config}) run {i + 1}: {seconds:.1f} s", flush=True)
        restore_s = median([r["seconds"] for r in restores])
        result["mariadb"][config] = {  # type: ignore[index]
            "runs": restores,
            "median_s": round(restore_s, 2),
            "mb_per_s": round(size_mb / restore_s, 1),
            "speedup_of_ingest": round(restore_s / ingest_s, 2),
        }
    out = HERE / "results" / f"ingest-{args.peer.replace(',', '-')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""`make bench`: run every benchmark; each writes its JSON into benchmarks/results/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHMARKS = ["ingest.py", "resolve.py", "febrl.py", "outreach.py", "pprl.py", "web.py"]


def main() -> None:
    for script in BENCHMARKS:
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script), *sys.argv[1:]], check=True)


if __name__ == "__main__":
    main()

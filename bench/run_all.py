"""`make bench`: every benchmark in turn, then all their figures as one JSON line, last.

Each benchmark is a script whose last printed line is a JSON object; it runs in its own
interpreter (its own database and memory), its lines are shown as they come, and the merged
object is printed at the end. Arguments are passed on to `bench/engine.py` (e.g. `--quick`);
`--quick` also shrinks `bench/dispatch.py`, `bench/huawei.py` and `bench/twilio.py`, and gives
`bench/canvas.py` fewer runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def run(script: str, *args: str) -> dict[str, Any]:
    process = subprocess.Popen(  # noqa: S603 - a script beside this one
        [sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        if last:
            print(last, flush=True)
        last = line.rstrip("\n")
    if process.wait() != 0:
        raise SystemExit(f"bench/{script} failed ({process.returncode}).")
    figures: dict[str, Any] = json.loads(last)
    return figures


def main() -> None:
    quick = ["--quick"] if "--quick" in sys.argv[1:] else []
    results = {
        **run("foundation.py"),
        **run("engine.py", *sys.argv[1:]),
        **run("dispatch.py", *quick),
        **run("huawei.py", *quick),
        **run("twilio.py", *quick),
        **run("canvas.py", *quick),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()

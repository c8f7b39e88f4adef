#!/usr/bin/env python3
"""Run the same workloads on runnel and on langchain-core and print the ratios.

    python bench/run.py [--quick] [--only events,concurrent]

runnel runs in this interpreter (it must have runnel installed); langchain-core 1.7.2
runs in a scratch virtualenv created on first use in `$BENCH_VENV_DIR` (default
`bench/.venv-lc`). langchain-core is never a dependency of runnel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
LC = ["langchain-core==1.7.2"]


def lc_python() -> Path:
    root = Path(os.environ.get("BENCH_VENV_DIR") or HERE / ".venv-lc")
    py = root / "bin" / "python"
    marker = root / ".ready"
    if not marker.exists():
        print(f"[bench] creating {root} with {' '.join(LC)}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(root)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *LC], check=True)
        marker.write_text("ok")
    return py


def figures(python: str, impl: str, quick: bool, only: str) -> dict[str, float]:
    cmd = [python, str(HERE / "workloads.py"), "--impl", impl] + (["--quick"] if quick else [])
    if only:
        cmd += ["--only", only]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else ""
    ours = figures(sys.executable, "runnel", quick, only)
    theirs = figures(str(lc_python()), "lc", quick, only)
    width = max(len(k) for k in ours)
    print(f"{'workload':<{width}}  {'runnel':>12}  {'langchain':>12}  {'speed-up':>9}")
    for key, value in ours.items():
        other = theirs.get(key)
        if other is None:
            continue
        higher_is_better = key.endswith("tokens/s")
        ratio_is_figure = "ratio" in key
        speedup = (
            ""
            if ratio_is_figure
            else (f"{value / other:8.1f}x" if higher_is_better else f"{other / value:8.1f}x")
        )
        print(f"{key:<{width}}  {value:>12.2f}  {other:>12.2f}  {speedup:>9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

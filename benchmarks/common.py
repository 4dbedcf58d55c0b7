"""Helpers shared by the benchmarks."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from typing import Any


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB. VmHWM where Linux has it: ru_maxrss
    of a process started by another counts its parent's size at the fork as well."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_phase(module: str, *args: str) -> dict[str, Any]:
    """Run `python -m module args…` in a fresh process, so that each phase's peak memory is
    its own, and return the JSON object it prints on its last line."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{module} failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result

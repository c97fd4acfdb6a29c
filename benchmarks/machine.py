"""What every benchmark records beside its figures: the machine, its load, and percentiles computed one way.

A figure means little without the machine it was measured on and how busy that machine was: on a shared machine,
other work slows everything, so each benchmark writes both next to its results.
"""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    """The CPU, its cores, memory, system and Python, and whether the CPU has bfloat16 matrix units."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").is_file() else "MemTotal: 0"
    memory = next(line.split()[1] for line in meminfo.splitlines() if "MemTotal" in line)
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 2**20, 1),
        "bf16_units": [flag for flag in ("amx_bf16", "avx512_bf16") if flag in cpuinfo],
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
    }


def load() -> float:
    """The machine's 1-minute load average: above the number of cores, other work is slowing the figures."""
    return round(os.getloadavg()[0], 2)


def percentiles(milliseconds: list[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) of a list of timings, in ms."""
    ordered = sorted(milliseconds)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
    }

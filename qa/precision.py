"""Whether the models compute in bfloat16: `$QA_PRECISION`, else bfloat16 where the CPU has matrix units for it.

On a CPU with AMX (or AVX-512 BF16) units, `torch.autocast("cpu", dtype=torch.bfloat16)` about doubles the
throughput of the MiniLM encoders and of the learned reader, with embeddings whose cosine to float32's is above
0.9999 (`benchmarks/speed.py`, `tests/index/test_embed.py`). Elsewhere bfloat16 is emulated and slower than
float32, so "auto" keeps float32 there. `QA_PRECISION=fp32` turns it off everywhere, to compare or to rule it out.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from qa.config import ENV
from qa.errors import SettingError

CHOICES = ("auto", "bf16", "fp32")


def bf16() -> bool:
    """Whether to compute in bfloat16 autocast now: read from the environment at each call, like every setting.

    :raises SettingError: for a `$QA_PRECISION` that is not one of `CHOICES`.
    """
    choice = (os.environ.get(ENV.PRECISION) or "auto").strip().lower()
    if choice not in CHOICES:
        raise SettingError(f"{ENV.PRECISION} must be one of {', '.join(CHOICES)}, not '{choice}'.")
    return choice == "bf16" or (choice == "auto" and has_bf16_units())


@cache
def has_bf16_units() -> bool:
    """Whether this CPU has bfloat16 matrix units (AMX or AVX-512 BF16), where autocast pays."""
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text(encoding="utf-8") if cpuinfo.is_file() else ""
    return capability == "AVX512" and ("amx_bf16" in flags or "avx512_bf16" in flags)

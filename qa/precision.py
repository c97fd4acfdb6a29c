"""Whether the models compute in bfloat16: `$QA_PRECISION`, else bfloat16 where the CPU has matrix units for it.

On a CPU with AMX (or AVX-512 BF16) units, the MiniLM encoder and the learned reader run much faster in bfloat16,
with embeddings whose cosine to float32's is above 0.9999 (`benchmarks/speed.py`, `tests/index/test_embed.py`).
They load their weights in bfloat16 (`Weights`) rather than run under `torch.autocast`: autocast converts every
weight matrix at every call, which here cost more than the matrix products themselves for a question's few tokens
(`benchmarks/speed.py` on the BBC corpus, autocast → bfloat16 weights: a question's embedding 19.5 → 11.6 ms, the
raw encoder 71 → 92 passages/s, indexing 72 → 99 passages/s). Elsewhere bfloat16 is emulated and slower than
float32, so "auto" keeps float32 there. `QA_PRECISION=fp32` turns it off everywhere, to compare or to rule it out.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from qa.config import ENV
from qa.errors import SettingError

CHOICES = ("auto", "bf16", "fp32")


def bf16() -> bool:
    """Whether to compute in bfloat16 now: read from the environment at each call, like every setting.

    :raises SettingError: for a `$QA_PRECISION` that is not one of `CHOICES`.
    """
    choice = (os.environ.get(ENV.PRECISION) or "auto").strip().lower()
    if choice not in CHOICES:
        raise SettingError(f"{ENV.PRECISION} must be one of {', '.join(CHOICES)}, not '{choice}'.")
    return choice == "bf16" or (choice == "auto" and has_bf16_units())


@cache
def has_bf16_units() -> bool:
    """Whether this CPU has bfloat16 matrix units (AMX or AVX-512 BF16), where bfloat16 pays."""
    import torch

    capability = torch.backends.cpu.get_cpu_capability()
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text(encoding="utf-8") if cpuinfo.is_file() else ""
    return capability == "AVX512" and ("amx_bf16" in flags or "avx512_bf16" in flags)


class Weights:
    """A torch model loaded in the precision asked for: each precision at most once, and only when first asked.

    Both can be needed because the setting is read at each call; normally only one is ever loaded, straight from
    disk in that precision, so a process holds one model's memory.
    """

    def __init__(self, load: Callable[[Any], Any]) -> None:
        """:param load: loads the model in the torch dtype it is given."""
        self._load = load
        self._models: dict[bool, Any] = {}
        self._lock = threading.Lock()  # two threads asking at once load it once

    def model(self, in_bf16: bool) -> Any:
        """The model in bfloat16 if `in_bf16` (callers pass `bf16()`), else in float32."""
        with self._lock:
            if in_bf16 not in self._models:
                import torch

                self._models[in_bf16] = self._load(torch.bfloat16 if in_bf16 else torch.float32)
            return self._models[in_bf16]

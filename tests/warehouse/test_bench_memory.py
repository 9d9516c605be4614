"""Plumbing: the benchmark's peak memory counts a stage's worker processes (kuairec_causal.bench
samples the resident memory of the whole process tree from /proc; ru_maxrss is one process's)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kuairec_causal.bench import _tree_rss_kb, _TreeMemory

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")

HOLD_300_MB = "b = bytearray(300 * 1024 * 1024); import time; time.sleep(30)"


def test_tree_memory_includes_a_child_process():
    alone = _tree_rss_kb(os.getpid())
    memory = _TreeMemory(interval=0.05)
    child = subprocess.Popen([sys.executable, "-c", HOLD_300_MB])
    try:
        deadline = time.monotonic() + 20
        while memory.peak_kb < alone + 300 * 1024 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    peak_mb = memory.stop()
    assert peak_mb * 1024 >= alone + 300 * 1024  # this process plus the child's 300 MB
    assert _tree_rss_kb(999_999_999) == 0  # no such process

"""A private warehouse folder for the trust tests (raw tables, snapshots, the published DuckDB
file) and a way to run the command line in a child process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Home:
    """One warehouse folder: raw tables, snapshots, the published file, dbt's target and logs."""

    folder: Path

    @property
    def raw_dir(self) -> Path:
        return self.folder / "raw"

    @property
    def duckdb_path(self) -> Path:
        return self.folder / "warehouse" / "kuairec.duckdb"

    def environment(self) -> dict[str, str]:
        return {"KUAIREC_RAW_DIR": str(self.raw_dir), "KUAIREC_DUCKDB_PATH": str(self.duckdb_path),
                "DBT_TARGET_PATH": str(self.folder / "target"), "DBT_LOG_PATH": str(self.folder / "logs"),
                "KUAIREC_PROGRESS": "0", "KUAIREC_HOME": str(ROOT)}

    def paths(self):
        from kuairec_causal.config import Paths

        return Paths(root=ROOT, duckdb_path=self.duckdb_path, raw_dir=self.raw_dir)

    def digest(self) -> str:
        return hashlib.sha256(self.duckdb_path.read_bytes()).hexdigest()

    def leftovers(self) -> list[str]:
        folder = self.duckdb_path.parent
        return sorted(p.name for p in folder.iterdir() if ".building-" in p.name or ".old-" in p.name)

    def spawn(self, *arguments: str) -> subprocess.Popen:
        """``kuairec-causal <arguments>`` in a child process (its own process group)."""
        return subprocess.Popen([sys.executable, "-m", "kuairec_causal.cli", *arguments], cwd=self.folder,
                                env={**os.environ, **self.environment()}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)

    def run(self, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
        child = self.spawn(*arguments)
        out, err = child.communicate(timeout=timeout)
        return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def make_home(folder: Path, source: Path) -> Home:
    from kuairec_causal.ingest import ingest_release

    home = Home(folder)
    ingest_release(source, home.raw_dir)
    return home


def wait_for(condition, child: subprocess.Popen, timeout: float = 120.0) -> bool:
    """Poll ``condition()`` every 10 ms while ``child`` runs; True once it holds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        if condition():
            return True
        time.sleep(0.01)
    return False

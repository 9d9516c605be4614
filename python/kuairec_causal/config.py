"""Where things live. Defaults sit under the repository root; environment variables override:

- ``KUAIREC_HOME``: the project root (default: the repository holding dbt_project.yml)
- ``KUAIREC_DUCKDB_PATH``: the warehouse file (default ``warehouse/kuairec.duckdb``)
- ``KUAIREC_RAW_DIR``: the raw Parquet tables written by ingest (default ``warehouse/raw``)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kuairec_causal.errors import KuaiRecError


def find_project_root() -> Path:
    if "KUAIREC_HOME" in os.environ:
        return Path(os.environ["KUAIREC_HOME"]).resolve()
    candidates = [Path.cwd(), *Path.cwd().parents, *Path(__file__).resolve().parents]
    for candidate in candidates:
        if (candidate / "dbt_project.yml").is_file() and (candidate / "profiles").is_dir():
            return candidate
    raise KuaiRecError("cannot find the project root (a folder with dbt_project.yml); set KUAIREC_HOME")


@dataclass(frozen=True)
class Paths:
    root: Path
    duckdb_path: Path
    raw_dir: Path

    @classmethod
    def from_environment(cls) -> Paths:
        root = find_project_root()
        duckdb_path = Path(os.environ.get("KUAIREC_DUCKDB_PATH", root / "warehouse" / "kuairec.duckdb")).resolve()
        raw_dir = Path(os.environ.get("KUAIREC_RAW_DIR", root / "warehouse" / "raw")).resolve()
        return cls(root=root, duckdb_path=duckdb_path, raw_dir=raw_dir)

    @property
    def profiles_dir(self) -> Path:
        return self.root / "profiles"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def dbt_environment(self) -> dict[str, str]:
        """Environment variables dbt needs (absolute paths: dbt may run from anywhere)."""
        return {
            "KUAIREC_DUCKDB_PATH": str(self.duckdb_path),
            "KUAIREC_RAW_DIR": str(self.raw_dir),
            "DBT_PROFILES_DIR": str(self.profiles_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        }

"""Run dbt in-process (dbt's Python API, ``dbt.cli.main.dbtRunner``) against a given raw directory and
DuckDB file. Shared by the warehouse tests and the timing script; reusable for any raw release
(the test fixture, the project's simulated releases, the real archive)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DbtRun:
    success: bool
    exception: BaseException | None
    target_path: Path
    results: list[dict]  # run_results.json "results" (empty when dbt did not get that far)
    elapsed_time: float | None

    def failures(self) -> list[str]:
        return [f"{r['unique_id']}: {r['status']} {r.get('message') or ''}".strip()
                for r in self.results if r["status"] not in ("success", "pass")]


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _release_duckdb_file() -> None:
    """dbt-duckdb keeps its DuckDB connection open in the process after a run; close it so the
    file can be opened again (read-only, or by the next run with other settings)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            close = getattr(env, "close", None)
            if close is not None:
                close()
            DuckDBConnectionManager._ENV = None


def run_dbt(args: Sequence[str], *, raw_dir: str | Path, duckdb_path: str | Path,
            work_dir: str | Path, vars: dict | None = None,
            env: dict[str, str] | None = None, window: dict | None = None) -> DbtRun:
    """Invoke ``dbt <args>`` on this project with KUAIREC_RAW_DIR / KUAIREC_DUCKDB_PATH set.

    target/ and logs/ go under work_dir so that runs never touch the checkout's own. ``window``:
    the raw data's declared calendar (vars release_first_date / release_last_date; default
    dbt_project.yml's, KuaiRec 2.0's window).
    """
    from dbt.cli.main import dbtRunner

    work = Path(work_dir)
    target_path = work / "target"
    cli = [
        *args,
        "--project-dir", str(REPO_ROOT),
        "--profiles-dir", str(REPO_ROOT / "profiles"),
        "--target-path", str(target_path),
        "--log-path", str(work / "logs"),
    ]
    if vars or window:
        cli += ["--vars", json.dumps({**(window or {}), **(vars or {})})]
    values = {
        "KUAIREC_RAW_DIR": str(Path(raw_dir).resolve()),
        "KUAIREC_DUCKDB_PATH": str(Path(duckdb_path).resolve()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(env or {}),
    }
    with _environment(values):
        try:
            result = dbtRunner().invoke(cli)
        finally:
            _release_duckdb_file()
    run_results = target_path / "run_results.json"
    results, elapsed = [], None
    if run_results.exists():
        data = json.loads(run_results.read_text())
        results, elapsed = data.get("results", []), data.get("elapsed_time")
    return DbtRun(bool(result.success), result.exception, target_path, results, elapsed)

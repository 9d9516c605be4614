"""Pinned raw snapshots: the exact raw tables a build read, kept while a warehouse uses them.

The raw and staging models are views over Parquet files. If they pointed at ``warehouse/raw``, a
later ``ingest`` would change what a published warehouse returns before any build. So each build
first pins the raw directory: its files are hard-linked (copied where links are impossible) into
``<warehouse dir>/snapshots/<snapshot id>/`` and made read-only, and dbt reads from there. Ingest
never writes into an existing raw file (it replaces the directory as a whole), so a hard link
keeps the old bytes after a new ingest.

The snapshot id is a digest of the files' contents: the same raw tables give the same id (and so,
with the same vars and project, the same build id and identical marts). A snapshot whose files are
the very same inodes as the raw directory's is reused without re-reading them.

Builds hold a shared lock on ``<snapshot>/.lock`` while they read it; :func:`prune_snapshots`
deletes old snapshots only when it gets the lock exclusively.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kuairec_causal.atomic import remove_stale_siblings
from kuairec_causal.errors import InputError

LOCK_FILE = ".lock"
KEEP_SNAPSHOTS = 2  # the published build's and the one before (readers may still hold it)


@dataclass(frozen=True)
class Snapshot:
    id: str
    directory: Path


def snapshots_dir(duckdb_path: Path) -> Path:
    return Path(duckdb_path).parent / "snapshots"


def _raw_files(raw_dir: Path) -> list[Path]:
    files = sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputError(f"{raw_dir}: no raw tables; run `kuairec-causal ingest` (or `simulate`) first")
    return files


def _digest(files: list[Path]) -> str:
    hasher = hashlib.sha256()
    for path in files:
        with open(path, "rb") as handle:
            hasher.update(path.name.encode() + b"\0" + hashlib.file_digest(handle, "sha256").digest())
    return hasher.hexdigest()[:20]


def _same_inodes(raw: list[Path], snapshot: Path) -> bool:
    try:
        names = sorted(p.name for p in snapshot.iterdir() if not p.name.startswith("."))
        if names != [p.name for p in raw]:
            return False
        return all(os.stat(p).st_ino == os.stat(snapshot / p.name).st_ino and
                   os.stat(p).st_dev == os.stat(snapshot / p.name).st_dev for p in raw)
    except OSError:
        return False


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: a private copy
        shutil.copy2(source, target)
    os.chmod(target, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def pin_raw_snapshot(raw_dir: Path, duckdb_path: Path) -> Snapshot:
    """The snapshot of ``raw_dir``'s current files (created, or reused when it exists)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(f"{raw_dir}: no raw tables; run `kuairec-causal ingest` (or `simulate`) first")
    files = _raw_files(raw_dir)
    root = snapshots_dir(duckdb_path)
    root.mkdir(parents=True, exist_ok=True)
    for existing in root.iterdir():
        if not existing.name.startswith(".") and existing.is_dir() and _same_inodes(files, existing):
            os.utime(existing)
            return Snapshot(existing.name, existing)
    remove_stale_siblings(root / "snapshot")
    staging = root / f".snapshot.building-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        for path in files:
            _link_or_copy(path, staging / path.name)
        linked = sorted(p for p in staging.iterdir())
        snapshot_id = _digest(linked)
        (staging / LOCK_FILE).touch()
        target = root / snapshot_id
        try:
            os.rename(staging, target)
        except OSError:  # the same content is already pinned (another build): keep that one
            if not target.is_dir():
                raise
            shutil.rmtree(staging, ignore_errors=True)
        os.utime(target)
        return Snapshot(snapshot_id, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextmanager
def reading(snapshot: Snapshot) -> Iterator[Snapshot]:
    """Hold a shared lock on the snapshot while a build reads it (pruning skips it)."""
    lock = snapshot.directory / LOCK_FILE
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield snapshot


def prune_snapshots(duckdb_path: Path, keep: set[str]) -> list[str]:
    """Delete all but the newest :data:`KEEP_SNAPSHOTS` snapshots (and those in ``keep``) that no
    build is reading. Returns the ids removed."""
    root = snapshots_dir(duckdb_path)
    if not root.is_dir():
        return []
    candidates = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                        key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for directory in candidates[KEEP_SNAPSHOTS:]:
        if directory.name in keep:
            continue
        try:
            with open(directory / LOCK_FILE, "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                doomed = root / f".snapshot.old-{os.getpid()}-{secrets.token_hex(4)}"
                os.rename(directory, doomed)
            shutil.rmtree(doomed, ignore_errors=True)
            removed.append(directory.name)
        except OSError:
            continue  # in use (or already gone)
    return removed

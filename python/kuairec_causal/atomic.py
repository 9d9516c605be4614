"""Replace a directory as a whole: build it under a temporary sibling, then swap it into place.

Readers see the old directory or the new one, never a mix; a failure leaves the old one untouched
and removes the half-built one. Used for simulated releases, the raw tables and report folders.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap_into_place(staging: Path, target: Path) -> None:
    """Make ``staging`` the new ``target``; the previous ``target`` (if any) is deleted."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging)  # now holds the previous directory
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_siblings(target: Path) -> None:
    """Delete temporary siblings left by builds whose process no longer exists."""
    for sibling in target.parent.glob(f".{target.name}.*-*-*"):
        kind = sibling.name[len(target.name) + 2:].split("-", 1)[0]
        if kind not in ("building", "old") or not sibling.is_dir():
            continue
        try:
            pid = int(sibling.name.rsplit("-", 2)[-2])
        except ValueError:
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(sibling, ignore_errors=True)


def new_building_sibling(target: Path) -> Path:
    """A fresh, empty, private folder beside ``target`` (leftovers of dead builds swept first)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_siblings(target)
    folder = target.parent / f".{target.name}.building-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    return folder


@contextmanager
def replaced_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging directory that becomes ``target`` when the block succeeds."""
    target = Path(target).resolve()
    staging = new_building_sibling(target)
    try:
        yield staging
        swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# -- single files (the published warehouse) -------------------------------------------------------

LOCK_WAIT_SECONDS = 120.0


def lock_path(target: Path) -> Path:
    return Path(target).parent / f"{Path(target).name}.lock"


@contextmanager
def exclusive_lock(target: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold ``<target>.lock`` exclusively: every kuairec-causal writer of the published warehouse
    (publishing a build, writing effect tables, testing the effect tables) takes it, so no write
    ever lands in a file that a publish is replacing. Waits up to ``wait_seconds`` for another
    holder, then fails with one line naming the lock and its holder."""
    import fcntl
    import time

    from kuairec_causal.errors import KuaiRecError

    path = lock_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    with open(path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise KuaiRecError(f"{path}: held by {holder}; the warehouse is being written, "
                                       "try again when it is done") from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"kuairec-causal pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def building_file(target: Path) -> Iterator[Path]:
    """Yield a path, in a fresh private folder beside ``target`` and with ``target``'s file name
    (DuckDB names a database after its file), for a new version of ``target``; the folder is
    removed when the block ends, whether the new file was published or not."""
    target = Path(target).resolve()
    folder = new_building_sibling(target)
    try:
        yield folder / target.name
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish_file(new: Path, target: Path) -> None:
    """Atomically replace ``target`` by ``new`` (same file system): readers see one or the other."""
    with open(new, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(new, target)
    fsync_directory(Path(target).parent)

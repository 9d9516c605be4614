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


@contextmanager
def replaced_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging directory that becomes ``target`` when the block succeeds."""
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_siblings(target)
    staging = target.parent / f".{target.name}.building-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        yield staging
        swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

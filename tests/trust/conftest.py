"""Fixtures for the trust tests: a warehouse folder built from the tiny release (see trust_home)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trust_home import Home, make_home  # noqa: E402


@pytest.fixture(scope="module")
def built_home(tiny_release, tmp_path_factory) -> Home:
    """The tiny release ingested and built (in-process) into a private folder."""
    from kuairec_causal.warehouse import build_panel, build_vars

    home = make_home(tmp_path_factory.mktemp("trust"), tiny_release.archive)
    os.environ.update({k: v for k, v in home.environment().items() if k.startswith("DBT_")})
    build_panel(home.paths(), build_vars(home.paths()))
    return home


@pytest.fixture
def home(built_home, tmp_path) -> Home:
    """A private copy of the built folder (the published file's views read the pinned snapshot by
    absolute path, which the copy shares, read-only)."""
    copy = Home(tmp_path / "home")
    shutil.copytree(built_home.folder, copy.folder, symlinks=True)
    return copy

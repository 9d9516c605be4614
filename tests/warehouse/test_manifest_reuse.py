"""Plumbing: one `dbt parse` serves every dbt invocation of a process while nothing the parser
reads has changed (the effect tests after a build skip the seconds of a full parse)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

import kuairec_causal.warehouse as warehouse
from kuairec_causal.config import Paths

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def parses(monkeypatch, tmp_path):
    """A copy of the project whose `dbt parse` calls are counted (and return a fresh object)."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "models", root / "models")
    shutil.copy2(ROOT / "dbt_project.yml", root / "dbt_project.yml")
    calls: list[dict] = []

    def invoke(paths, arguments, variables, target, manifest=None):
        assert arguments == ["parse"] and manifest is None
        calls.append(dict(variables or {}))
        return SimpleNamespace(result=object())

    monkeypatch.setattr(warehouse, "_invoke", invoke)
    monkeypatch.setattr(warehouse, "_MANIFEST", {})
    paths = Paths(root=root, duckdb_path=tmp_path / "a" / "kuairec.duckdb", raw_dir=tmp_path / "raw")
    return paths, calls


def test_runtime_only_vars_reuse_the_parsed_manifest(parses):
    paths, calls = parses
    build = {"interaction_matrix": "small_matrix", "build_id": "b1"}
    first = warehouse._parsed_manifest(paths, build, "duckdb")
    in_another_folder = Paths(root=paths.root, duckdb_path=paths.root.parent / "b" / "kuairec.duckdb",
                              raw_dir=paths.raw_dir)
    effects = {**build, "register_raw_tables": False, "build_id": "b2"}
    assert warehouse._parsed_manifest(in_another_folder, effects, "duckdb") is first
    assert len(calls) == 1


@pytest.mark.parametrize("change", ["parse-time var", "database name", "target", "project file"])
def test_what_the_parser_reads_forces_a_new_parse(parses, change):
    paths, calls = parses
    build = {"interaction_matrix": "small_matrix", "build_id": "b1"}
    first = warehouse._parsed_manifest(paths, build, "duckdb")
    target = "duckdb"
    if change == "parse-time var":
        build = {**build, "interaction_matrix": "big_matrix"}
    elif change == "database name":
        paths = Paths(root=paths.root, duckdb_path=paths.duckdb_path.with_name("other.duckdb"), raw_dir=paths.raw_dir)
    elif change == "target":
        target = "spark"
    else:
        (paths.root / "models" / "new_model.sql").write_text("select 1 as x\n")
    assert warehouse._parsed_manifest(paths, build, target) is not first
    assert len(calls) == 2


def test_parse_ahead_serves_the_build_that_follows(parses, monkeypatch):
    """Plumbing: the parse started in the background (while ingest runs) is the one the build
    uses; the build waits for it instead of parsing again."""
    paths, calls = parses
    counted = warehouse._invoke
    threads: list[str] = []

    def invoke(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return counted(*args, **kwargs)

    monkeypatch.setattr(warehouse, "_invoke", invoke)
    expected = {"interaction_matrix": "small_matrix", "release_first_date": "2020-07-05"}
    warehouse.parse_ahead(paths, expected)
    manifest = warehouse._parsed_manifest(paths, {**expected, "build_id": "b1"}, "duckdb")
    assert manifest is warehouse._MANIFEST["manifest"]
    assert threads == ["dbt-parse-ahead"] and len(calls) == 1 and not warehouse._PARSE_AHEAD


def test_a_failed_parse_ahead_leaves_the_build_to_parse(parses, monkeypatch):
    paths, calls = parses
    monkeypatch.setattr(warehouse, "_invoke", lambda *args, **kwargs: 1 / 0)
    warehouse.parse_ahead(paths, {"interaction_matrix": "small_matrix"})
    warehouse._wait_for_parse_ahead()
    assert warehouse._MANIFEST == {}


@pytest.mark.parametrize("matrix", ["small_matrix", "big_matrix"])
def test_expected_build_vars_are_those_of_the_ingested_release(tiny_release, tiny_raw, matrix):
    """What parse_ahead predicts before ingest equals what the build reads after it, so the
    manifest parsed ahead is the one the build uses."""
    ingested = Paths(root=ROOT, duckdb_path=tiny_raw.parent / "unused.duckdb", raw_dir=tiny_raw)
    assert warehouse.expected_build_vars(tiny_release.archive, matrix) == warehouse.build_vars(ingested, matrix)

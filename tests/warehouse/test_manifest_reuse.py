"""Plumbing: one `dbt parse` serves every dbt invocation while nothing the parser reads has
changed: in its process (the effect tests after a build skip the seconds of a full parse) and in
later processes, through the manifest saved in dbt's target folder."""

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
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
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


@pytest.fixture
def real_parses(monkeypatch, tmp_path):
    """The real project parsed by dbt into a private target folder, its `dbt parse` calls
    counted; ``forget`` drops the in-process manifest (what a new process starts with)."""
    calls: list[list[str]] = []
    real = warehouse._invoke

    def invoke(paths, arguments, *rest, **kwargs):
        calls.append(arguments)
        return real(paths, arguments, *rest, **kwargs)

    monkeypatch.setattr(warehouse, "_invoke", invoke)
    monkeypatch.setattr(warehouse, "_MANIFEST", {})
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    paths = Paths(root=ROOT, duckdb_path=tmp_path / "w" / "kuairec.duckdb", raw_dir=tmp_path / "raw")
    for name, value in paths.dbt_environment().items():
        monkeypatch.setenv(name, value)
    return SimpleNamespace(paths=paths, calls=calls, target=tmp_path / "target", forget=warehouse._MANIFEST.clear)


def _nodes(manifest) -> dict[str, str]:
    return {uid: node.checksum.checksum for uid, node in manifest.nodes.items()}


def test_a_later_process_loads_the_saved_manifest_instead_of_parsing(real_parses):
    paths, build = real_parses.paths, {"interaction_matrix": "small_matrix", "build_id": "b1"}
    parsed = warehouse._parsed_manifest(paths, build, "duckdb")
    written = (real_parses.target / "manifest.json").read_bytes()
    (real_parses.target / "manifest.json").unlink()
    real_parses.forget()
    loaded = warehouse._parsed_manifest(paths, {**build, "build_id": "b2"}, "duckdb")
    assert real_parses.calls == [["parse"]]
    assert loaded is not parsed and _nodes(loaded) == _nodes(parsed)
    assert loaded.selectors == parsed.selectors and set(loaded.macros) == set(parsed.macros)
    assert loaded.flat_graph and loaded.child_map == parsed.child_map
    assert (real_parses.target / "manifest.json").read_bytes() == written  # target/ describes this project


def test_another_parse_time_var_or_an_unreadable_saved_manifest_means_a_parse(real_parses):
    paths, build = real_parses.paths, {"interaction_matrix": "small_matrix"}
    warehouse._parsed_manifest(paths, build, "duckdb")
    real_parses.forget()
    warehouse._parsed_manifest(paths, {**build, "interaction_matrix": "big_matrix"}, "duckdb")
    assert real_parses.calls == [["parse"], ["parse"]]
    for saved in (real_parses.target / "kuairec_manifests").glob("*.msgpack"):
        saved.write_bytes(b"not msgpack")
    real_parses.forget()
    warehouse._parsed_manifest(paths, build, "duckdb")
    assert len(real_parses.calls) == 3


def test_only_the_newest_saved_manifests_are_kept(real_parses, monkeypatch):
    monkeypatch.setattr(warehouse, "_SAVED_MANIFESTS_KEPT", 1)
    paths = real_parses.paths
    for matrix in ("small_matrix", "big_matrix"):
        real_parses.forget()
        warehouse._parsed_manifest(paths, {"interaction_matrix": matrix}, "duckdb")
    kept = sorted(p.suffix for p in (real_parses.target / "kuairec_manifests").iterdir())
    assert kept == [".json", ".msgpack"]
    assert warehouse._saved_manifest(paths, warehouse._manifest_key(paths, {"interaction_matrix": "big_matrix"},
                                                                    "duckdb")) is not None

"""One line, always: faults injected at the points users hit (full disk, permissions, a warehouse
held open by another program, Ctrl-C, an internal bug) end in one line naming the resource and the
cause, exit 2 (130 for Ctrl-C), with nothing published or half-written."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from trust_home import wait_for

from kuairec_causal.cli import main


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def env(home, monkeypatch):
    for key, value in home.environment().items():
        monkeypatch.setenv(key, value)
    return home


def _last_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert err and "Traceback" not in "\n".join(err)
    return err[-1]


def test_full_disk_during_ingest(env, tiny_release, monkeypatch, capsys):
    import kuairec_causal.ingest as ingest

    def full(members, member, destination):  # the disk fills while a member is decompressed to scratch
        destination.write(b"user_id,video_id")
        raise OSError(errno.ENOSPC, "No space left on device", str(destination.name))

    before = _fingerprint(env.raw_dir)
    monkeypatch.setattr(ingest._Members, "copy_member", full)
    assert main(["ingest", str(tiny_release.archive)]) == 2
    line = _last_line(capsys)
    assert line.startswith("kuairec-causal ingest: error: ") and line.endswith(": no space left on device")
    assert _fingerprint(env.raw_dir) == before
    assert not list(env.raw_dir.parent.glob(".raw.building-*"))


def test_full_disk_while_publishing_a_build(env, monkeypatch, capsys):
    import kuairec_causal.warehouse as warehouse

    def full(new, target):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    before = env.digest()
    monkeypatch.setattr(warehouse, "publish_file", full)
    assert main(["build", "--vars", '{"long_tail_quantile": 0.45}']) == 2
    assert _last_line(capsys) == f"kuairec-causal build: error: {env.duckdb_path}: no space left on device"
    assert env.digest() == before and env.leftovers() == []


def test_full_disk_inside_duckdb_while_writing_effect_tables(env, monkeypatch, capsys):
    import kuairec_causal.pipeline as pipeline

    def full(*args, **kwargs):
        raise duckdb.IOException(f'IO Error: Could not write file "{env.duckdb_path}.wal": No space left on device')

    monkeypatch.setattr(pipeline, "write_tables", full)
    monkeypatch.setattr("kuairec_causal.studies.long_term.run_study", lambda context: {})
    assert main(["estimate", "--study", "long_term", "--n-boot", "0"]) == 2
    assert _last_line(capsys).startswith("kuairec-causal estimate: error: duckdb: no space left on device "
                                         "(IO Error: Could not write")


def test_permission_denied_on_the_warehouse_folder(env, monkeypatch, capsys):
    import kuairec_causal.warehouse as warehouse

    @contextmanager
    def read_only_folder(target):
        raise PermissionError(errno.EACCES, "Permission denied", str(Path(target).parent))
        yield

    before = env.digest()
    monkeypatch.setattr(warehouse, "building_file", read_only_folder)
    assert main(["build", "--vars", '{"long_tail_quantile": 0.45}']) == 2
    assert _last_line(capsys) == f"kuairec-causal build: error: {env.duckdb_path.parent}: permission denied"
    assert env.digest() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_raw_folder_for_real(env, tiny_release, capsys):  # pragma: no cover - runs as non-root only
    env.folder.chmod(0o555)
    try:
        assert main(["ingest", str(tiny_release.archive)]) == 2
        assert "permission denied" in _last_line(capsys)
    finally:
        env.folder.chmod(0o755)


@pytest.fixture
def held_open(env):
    """Another program holding the published warehouse open for writing (DuckDB's file lock)."""
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(120)", str(env.duckdb_path)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    yield env
    holder.kill()
    holder.wait()


def test_a_warehouse_held_open_elsewhere_gives_one_line(held_open, capsys):
    assert main(["report"]) == 2
    line = _last_line(capsys)
    assert line.startswith(f"kuairec-causal report: error: {held_open.duckdb_path}: cannot open the warehouse")
    assert "Conflicting lock" in line
    # the estimator stage needs to write into the published file: refused up front in one line
    assert main(["estimate", "--n-boot", "0"]) == 2
    assert "cannot open the warehouse" in _last_line(capsys)


def test_a_build_publishes_even_while_a_reader_holds_the_old_file(held_open, capsys):
    """Write-audit-publish never writes into the published file: the holder keeps the old version."""
    before = held_open.digest()
    assert main(["build", "--vars", '{"long_tail_quantile": 0.45}']) == 0
    assert held_open.digest() != before and held_open.leftovers() == []


def test_ctrl_c_during_ingest_changes_nothing(env, tiny_release, monkeypatch, capsys):
    import kuairec_causal.ingest as ingest

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    before = _fingerprint(env.raw_dir)
    monkeypatch.setattr(ingest, "_enforce_contract", interrupt)
    assert main(["ingest", str(tiny_release.archive)]) == 130
    assert _last_line(capsys) == "kuairec-causal ingest: interrupted"
    assert _fingerprint(env.raw_dir) == before
    assert not list(env.raw_dir.parent.glob(".raw.building-*"))


def test_ctrl_c_during_a_real_ingest(env, tiny_release):
    """SIGINT to a child `kuairec-causal ingest` once it is writing its staging folder."""
    before = _fingerprint(env.raw_dir)
    child = env.spawn("ingest", str(tiny_release.archive))
    assert wait_for(lambda: list(env.folder.glob(".raw.building-*")), child), "ingest never started writing"
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    if child.returncode == 0:
        pytest.skip("ingest finished before the signal arrived")
    assert child.returncode == 130 and err.strip().splitlines()[-1] == "kuairec-causal ingest: interrupted"
    assert "Traceback" not in err and _fingerprint(env.raw_dir) == before
    assert not list(env.folder.glob(".raw.building-*"))


def test_an_internal_bug_is_one_line_with_the_traceback_in_a_file(env, monkeypatch, capsys, tmp_path):
    import kuairec_causal.warehouse as warehouse

    def bug(*args, **kwargs):
        raise ValueError("something nobody expected")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(warehouse, "plan_build", bug)
    assert main(["build"]) == 2
    line = _last_line(capsys)
    log = tmp_path / "logs" / "kuairec-causal-error.log"
    assert line == f"kuairec-causal build: internal error: ValueError: something nobody expected (traceback: {log})"
    assert "Traceback" in log.read_text()


def test_an_interrupted_process_leaves_no_resource_tracker_warning(tmp_path):
    """The interrupt path leaves with os._exit while dbt holds a multiprocessing lock: the resource
    tracker, which outlives the process, must not print its leak warning after the one line."""
    import sys
    import textwrap

    script = textwrap.dedent("""
        import multiprocessing, os
        from kuairec_causal.cli import quiet_resource_tracker
        quiet_resource_tracker()
        lock = multiprocessing.get_context("spawn").Lock()  # as dbt's connection manager holds one
        print("kuairec-causal build: interrupted", flush=True)
        os._exit(130)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"})
    assert done.returncode == 130
    assert done.stdout.strip() == "kuairec-causal build: interrupted"
    assert "leaked" not in done.stderr, done.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["--stages", "ingest,buld"], "argument --stages: unknown stage 'buld'"),
    (["--repeats", "-1"], "argument --repeats: must be a positive integer; got '-1'"),
    (["--n-boot", "0"], "argument --n-boot: must be a positive integer; got '0'"),
])
def test_bench_refuses_a_bad_option_before_any_stage_runs(argv, message, capsys):
    """Plumbing: an unknown stage used to start a child that died with a traceback, and --repeats -1
    ended in an internal KeyError; both are now refused by the option itself, naming it."""
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "--scale", "tiny", *argv])
    assert stopped.value.code == 2
    assert message in _last_line(capsys)


def test_a_bench_stage_that_fails_in_its_process_is_one_line_naming_stage_and_cause(tmp_path, capfd):
    """Plumbing: each bench stage runs in a process of its own; one that fails (here: no release
    in the workspace to inflate) used to print its traceback and leave the parent with "failed
    (exit 1)". The stage's process now hands its one-line cause to the parent."""
    from kuairec_causal.bench import _run_child
    from kuairec_causal.errors import KuaiRecError

    with pytest.raises(KuaiRecError) as failed:
        _run_child("inflate", tmp_path, "tiny", 1, 1)
    assert str(failed.value) == (f"bench stage inflate failed: {tmp_path / 'release' / 'KuaiRec_synthetic.zip'}: "
                                 "path does not exist")
    assert "Traceback" not in capfd.readouterr().err

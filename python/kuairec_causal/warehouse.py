"""Running dbt: the warehouse build (write, audit, publish), with the definitions a simulated
release's truth assumes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from kuairec_causal import installed_version
from kuairec_causal.atomic import building_file, exclusive_lock, publish_file
from kuairec_causal.config import Paths
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.ingest import planted_vars, read_manifest, release_truth, release_window
from kuairec_causal.progress import log
from kuairec_causal.snapshot import Snapshot, pin_raw_snapshot, prune_snapshots, reading
from kuairec_causal.store import carry_over_effects, mark_tested, settle
from kuairec_causal.vars_schema import validate_vars

INTERACTION_MATRICES = ("small_matrix", "big_matrix")
# Profile targets the warehouse (staging .. marts) can be built on; KUAIREC_DBT_TARGET picks one
# (default: the profile's default target, duckdb). The estimator stage reads the marts from the
# same target (kuairec_causal.pipeline.mart_reader) and always writes its effect tables, and
# builds the effect models, in the DuckDB file.
DBT_TARGETS = ("duckdb", "spark")
DBT_TARGET_ENV = "KUAIREC_DBT_TARGET"
DUCKDB_TARGET = "duckdb"
# Vars that only nodes read when they run (hooks, model SQL), never the parser (YAML, configs,
# refs): a parsed manifest stays valid when they change. The build id is one of them: it changes
# with every build and is only rendered into the marts' SQL.
RUNTIME_ONLY_VARS = frozenset({"build_id", "register_raw_tables"})
_MANIFEST: dict = {}  # the last parsed manifest of this process and its key (see run_dbt)
_SAVED_MANIFESTS_KEPT = 4  # parsed manifests kept in the target folder (e.g. both matrices, two vars sets)
_PARSE_AHEAD: list[threading.Thread] = []  # a parse started by parse_ahead, not yet joined


def dbt_target() -> str:
    """The target of the warehouse build: env var KUAIREC_DBT_TARGET, default ``duckdb``."""
    target = os.environ.get(DBT_TARGET_ENV, "").strip() or DUCKDB_TARGET
    if target not in DBT_TARGETS:
        raise KuaiRecError(f"{DBT_TARGET_ENV}='{target}' is not one of {', '.join(DBT_TARGETS)}")
    return target


def interaction_matrix_for_scale(scale: str) -> str:
    """The full scale is the real big_matrix (7,176 users); the others feed the panel from the
    dense small_matrix."""
    return "big_matrix" if scale == "full" else "small_matrix"


def build_vars(paths: Paths, interaction_matrix: str | None = None, overrides: dict | None = None) -> dict:
    """dbt vars for a build: the release's declared window, the simulated release's planted
    definitions (if any), the chosen interaction matrix, then explicit overrides; every value
    checked against the declared schema (:mod:`kuairec_causal.vars_schema`)."""
    manifest = read_manifest(paths.raw_dir)
    if manifest is None:
        raise KuaiRecError(f"{paths.raw_dir}: no raw tables; run `kuairec-causal ingest` (or `simulate`) first")
    planted = manifest["truth"]["warehouse_vars"] if manifest.get("simulated") else None
    return _release_vars(manifest.get("release_window"), planted, interaction_matrix, overrides)


def expected_build_vars(source: Path, interaction_matrix: str | None = None) -> dict:
    """The vars :func:`build_vars` will give once the release at ``source`` is ingested: the
    window ingest records and the planted definitions of the truth file ingest reads beside it."""
    document = release_truth(source)
    return _release_vars(release_window(), planted_vars(document) if document else None, interaction_matrix, None)


def _release_vars(window: dict | None, planted: dict | None, interaction_matrix: str | None,
                  overrides: dict | None) -> dict:
    overrides = validate_vars(dict(overrides or {}), "--vars")
    matrix = interaction_matrix or "small_matrix"
    if matrix not in INTERACTION_MATRICES:
        raise KuaiRecError(f"--matrix: interaction matrix '{matrix}' is not one of {', '.join(INTERACTION_MATRICES)}")
    variables: dict = {}
    if window:
        variables.update(release_first_date=window["first_date"], release_last_date=window["last_date"])
    if planted:
        variables.update(planted[matrix])
    variables["interaction_matrix"] = matrix
    variables.update(overrides)
    return validate_vars(variables, "vars")


def dbt_log_dir(paths: Paths) -> Path:
    """Where dbt writes its log (dbt.log): $DBT_LOG_PATH, else <project>/logs."""
    return Path(os.environ.get("DBT_LOG_PATH") or paths.root / "logs").resolve()


def _progress_callback():
    """A dbt event callback that draws one progress bar over the nodes of a run (dbt's own
    console output goes to its log file only)."""
    from kuairec_causal.progress import bars_enabled, progress_bar

    state: dict = {"bar": None}

    def callback(event) -> None:
        if not bars_enabled():
            return
        name = event.info.name
        if name == "LogStartLine" and state["bar"] is None:
            state["bar"] = progress_bar(total=int(event.data.total), desc="dbt")
        elif name in ("LogModelResult", "LogTestResult", "LogSeedResult", "LogNodeResult") and state["bar"] is not None:
            state["bar"].update(1)
        elif name in ("EndOfRunSummary", "FinishedRunningStats") and state["bar"] is not None:
            state["bar"].close()
            state["bar"] = None

    return callback, state


def _failure_detail(result) -> str:
    """One line for the failed nodes of a dbt run: the model or the test with its model and column."""
    failures = []
    for r in getattr(result.result, "results", []) or []:
        if str(r.status) not in {"error", "fail", "runtime error"}:
            continue
        node = r.node
        where = ""
        attached = getattr(node, "attached_node", None)
        if attached:
            where = f" on {attached.split('.')[-1]}"
            column = getattr(node, "column_name", None)
            where += f".{column}" if column else ""
        message = " ".join(str(r.message or r.status).split())
        failures.append(f"{'test ' if getattr(node, 'resource_type', '') == 'test' else ''}"
                        f"{node.name}{where}: {message}")
    detail = "; ".join(failures[:3]) + (f" (+{len(failures) - 3} more)" if len(failures) > 3 else "")
    return detail


def run_dbt(paths: Paths, arguments: list[str], variables: dict | None = None, target: str | None = None):
    """Invoke dbt in-process (``dbt <arguments>``) against this project on profile target
    ``target`` (default :func:`dbt_target`) and return dbt's result; raise a one-line error on
    failure. dbt's own output goes to its log file (:func:`dbt_log_dir`), whose path the error gives.

    The project is parsed by a separate ``dbt parse`` whose manifest later invocations reuse
    while the project files and the parse-time vars are the same: in this process, and in later
    ones through the copy saved in the target folder (a full parse takes 7-8 s; dbt's partial
    parsing does not apply here, as every build has its own vars and DuckDB file)."""
    target = target or dbt_target()
    paths.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.update(paths.dbt_environment())
    if target == "spark":
        from kuairec_causal import spark

        os.environ.update(spark.dbt_environment(paths))
        spark.get_session(paths)  # the session dbt-spark then uses (and the mart reader after it)
    return _invoke(paths, arguments, variables, target, _parsed_manifest(paths, variables, target))


def parse_ahead(paths: Paths, variables: dict) -> None:
    """Start parsing the project for these build vars in a background thread, so that the next
    :func:`run_dbt` with the same parse-time vars finds the manifest ready. dbt's import and
    parse (about 10 s) are single-threaded Python; the caller's next step (ingest) runs in DuckDB,
    which releases the GIL, so the two share the cores. A failed or unfinished parse costs
    nothing: :func:`run_dbt` waits for it and parses again when the key does not match."""
    if dbt_target() != DUCKDB_TARGET or _PARSE_AHEAD:
        return

    def parse() -> None:
        try:
            _parsed_manifest(paths, variables, DUCKDB_TARGET)  # a failed parse leaves no manifest
        except Exception:  # noqa: BLE001 - the build's own parse reports any problem
            pass

    os.environ.update(paths.dbt_environment())
    thread = threading.Thread(target=parse, name="dbt-parse-ahead", daemon=True)
    _PARSE_AHEAD.append(thread)
    thread.start()


def _wait_for_parse_ahead() -> None:
    while _PARSE_AHEAD:
        _PARSE_AHEAD.pop().join()


def _parsed_manifest(paths: Paths, variables: dict | None, target: str):
    """The project's manifest for these parse-time vars: ``dbt parse`` once, then reused in this
    process and, through a copy saved in the dbt target folder, by later processes."""
    if threading.current_thread() is threading.main_thread():
        _wait_for_parse_ahead()
    key = _manifest_key(paths, variables, target)
    if _MANIFEST.get("key") != key:
        _MANIFEST.clear()
        manifest = _saved_manifest(paths, key)
        if manifest is None:
            manifest = _invoke(paths, ["parse"], variables, target).result
            _save_manifest(paths, key, manifest)
        _MANIFEST.update(key=key, manifest=manifest, saved=_saved_manifest_file(paths, key))
    else:
        _share_saved_manifest(_MANIFEST["saved"], _saved_manifest_file(paths, key))
    return _MANIFEST["manifest"]


def _share_saved_manifest(source: Path, saved: Path) -> None:
    """A later build of this process into another dbt target folder (DBT_TARGET_PATH changed)
    takes the manifest from memory; that folder gets the saved copy and the parse's manifest.json
    too, as if it had parsed there (the build phases run with --no-write-json, so dbt writes no
    manifest.json of its own)."""
    if source == saved or not source.is_file() or not source.with_suffix(".json").is_file():
        return
    saved.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".json", ".msgpack"):  # the msgpack last: its presence means both are whole
        _write_whole(saved.with_suffix(suffix), source.with_suffix(suffix).read_bytes())
    _show_parsed_manifest(saved)


def _show_parsed_manifest(saved: Path) -> None:
    """Put the parse's manifest.json saved beside ``saved`` in its dbt target folder, so that
    target/ describes the project being built."""
    shutil.copyfile(saved.with_suffix(".json"), saved.parent.parent / "manifest.json")


def _write_whole(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a private partial file, so that another process (or
    thread) never reads a half-written file."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)


def _manifest_key(paths: Paths, variables: dict | None, target: str) -> str:
    """Digest of what dbt's parser reads: the project files, the parse-time vars, the profile
    target, the database name and the versions of dbt and its adapters."""
    parse_vars = {k: v for k, v in (variables or {}).items() if k not in RUNTIME_ONLY_VARS}
    # DuckDB names the database after the file, and the manifest's relations carry that name (a
    # build's private folder keeps the published file's name, so build and effects share it)
    database = paths.duckdb_path.name
    versions = [installed_version(name) for name in ("dbt-core", "dbt-duckdb", "dbt-spark")]
    key = hashlib.sha256(json.dumps([str(paths.root), str(paths.profiles_dir), target, database, parse_vars, versions],
                                    sort_keys=True, default=str).encode())
    _hash_project_files(key, paths.root)
    return key.hexdigest()


def _target_dir(paths: Paths) -> Path:
    """dbt's target folder (artifacts): $DBT_TARGET_PATH, else <project>/target."""
    return Path(os.environ.get("DBT_TARGET_PATH") or paths.root / "target")


def _saved_manifest_file(paths: Paths, key: str) -> Path:
    """Where the manifest parsed for ``key`` is saved (its manifest.json beside it, suffix .json)."""
    return _target_dir(paths) / "kuairec_manifests" / f"{key}.msgpack"


def _saved_manifest(paths: Paths, key: str):
    """The manifest a ``dbt parse`` of another process saved under ``key`` (see _save_manifest),
    or None. dbt's own partial parsing cannot serve here: it reparses whenever the command-line
    vars (build_id) or the DuckDB path (each build's private folder) change. Loading takes about
    0.5 s against 7-8 s for the parse; an unreadable file means a parse, as in dbt."""
    saved = _saved_manifest_file(paths, key)
    if not saved.is_file():
        return None
    try:
        from dbt.contracts.graph.manifest import Manifest
        from dbt.parser.manifest import extended_mashumuro_decoder

        manifest = Manifest.from_msgpack(saved.read_bytes(), decoder=extended_mashumuro_decoder)
        # what dbt does to a manifest it loads from its partial-parse file and does not reparse
        manifest.build_parent_and_child_maps()
        manifest.build_group_map()
        manifest.build_flat_graph()
        _show_parsed_manifest(saved)
    except Exception:  # noqa: BLE001 - any failure to load means parsing again
        return None
    return manifest


def saved_manifest_exists(paths: Paths, variables: dict, target: str | None = None) -> bool:
    """Whether a build with these vars will load a saved manifest rather than parse the project."""
    target = target or dbt_target()
    return _saved_manifest_file(paths, _manifest_key(paths, variables, target)).is_file()


def _save_manifest(paths: Paths, key: str, manifest) -> None:
    """Save a parsed manifest (dbt's msgpack form, as its partial parsing does) with the
    manifest.json the parse wrote; the newest few keys are kept."""
    from dbt.parser.manifest import extended_mashumaro_encoder

    written = _target_dir(paths) / "manifest.json"
    if not written.is_file():  # dbt told not to write its artifacts: nothing to pair the manifest with
        return
    target = _saved_manifest_file(paths, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix, content in ((".json", written.read_bytes()),
                            (".msgpack", manifest.to_msgpack(extended_mashumaro_encoder))):
        _write_whole(target.with_suffix(suffix), content)  # the msgpack last: its presence means both are whole
    saved = sorted(target.parent.glob("*.msgpack"), key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in saved[_SAVED_MANIFESTS_KEPT:]:
        for path in (stale, stale.with_suffix(".json")):
            path.unlink(missing_ok=True)


def _invoke(paths: Paths, arguments: list[str], variables: dict | None, target: str, manifest=None):
    from dbt.cli.main import dbtRunner

    log_dir = dbt_log_dir(paths)
    cli = [*arguments, "--project-dir", str(paths.root), "--profiles-dir", str(paths.profiles_dir), "--target", target,
           "--log-path", str(log_dir), "--log-level", "none", "--log-level-file", "info"]
    if variables:
        cli += ["--vars", json.dumps(variables, sort_keys=True)]
    callback, progress_state = _progress_callback()
    try:
        result = dbtRunner(manifest=manifest, callbacks=[callback]).invoke(cli)
    finally:
        if progress_state["bar"] is not None:
            progress_state["bar"].close()
        _release_duckdb()
    if result.success:
        return result
    where = f"(dbt log: {log_dir / 'dbt.log'})"
    exception = result.exception
    if isinstance(exception, KeyboardInterrupt):
        raise KeyboardInterrupt
    if isinstance(exception, OSError):
        raise exception
    if exception is not None:
        message = " ".join(str(exception).strip().split("\n")[0].split()) or type(exception).__name__
        raise KuaiRecError(f"dbt {arguments[0]} failed: {message} {where}")
    raise KuaiRecError(f"dbt {arguments[0]} failed: {_failure_detail(result) or 'see the log'} {where}")


def _release_duckdb() -> None:
    """dbt-duckdb keeps its connection open for the life of the process; close it so that the
    estimator stage (and tests) can open the warehouse file afterwards."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
        DuckDBConnectionManager._ENV = None
    DuckDBConnectionManager.close_all_connections()


def compute_build_id(snapshot_id: str, variables: dict, target: str, root: Path) -> str:
    """Digest of what a build reads: the pinned raw snapshot, the vars, the target and the files
    that define the warehouse. Same inputs, same id (and, builds being deterministic, the same
    tables)."""
    hasher = hashlib.sha256()
    settings = {key: value for key, value in variables.items() if key != "build_id"}
    hasher.update(json.dumps([snapshot_id, settings, target], sort_keys=True, default=str).encode())
    _hash_project_files(hasher, root)
    return f"b{hasher.hexdigest()[:15]}"


def _hash_project_files(hasher: hashlib._Hash, root: Path) -> None:
    """Feed ``hasher`` the name and content of every file that defines the warehouse."""
    for path in project_files(root):
        hasher.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())


# The DuckDB build's two dbt invocations (selectors.yml): together the default selection. The
# panel's chain goes first so that its large aggregate does not run beside the data-quality one
# (both spill under the memory limit when they run side by side, and no lineage orders them).
DUCKDB_BUILD_PHASES = ("warehouse_panel_chain", "warehouse_after_panel_chain")


@dataclass(frozen=True)
class BuildPlan:
    """What a build will read and the id its marts will carry; after the build, dbt's timings."""

    snapshot: Snapshot
    variables: dict
    target: str
    sql_seconds: float | None = None  # dbt's elapsed time summed over the build's invocations
    node_seconds: dict[str, float] = field(default_factory=dict)  # per model / test / seed

    @property
    def build_id(self) -> str:
        return self.variables["build_id"]

    def with_timings(self, results: list) -> BuildPlan:
        """This plan with the timings of dbt's results (one per invocation) of its build."""
        nodes = {r.node.unique_id.split(".")[-1]: float(r.execution_time) for result in results
                 for r in result.result.results}
        return replace(self, sql_seconds=sum(float(result.result.elapsed_time) for result in results),
                       node_seconds=nodes)


def plan_build(paths: Paths, variables: dict, target: str | None = None) -> BuildPlan:
    """Pin the raw snapshot and compute the build id (cheap when the snapshot exists)."""
    target = target or dbt_target()
    snapshot = pin_raw_snapshot(paths.raw_dir, paths.duckdb_path)
    settings = {key: value for key, value in variables.items() if key != "build_id"}
    build_id = compute_build_id(snapshot.id, settings, target, paths.root)
    return BuildPlan(snapshot, {**settings, "build_id": build_id}, target)


def build_panel(paths: Paths, variables: dict, target: str | None = None) -> BuildPlan:
    """Write, audit, publish: ``dbt build`` of everything up to the marts (the default selector
    excludes effects), with every data and unit test, on a pinned raw snapshot.

    On DuckDB the build goes into a new file beside the published one, in two dbt invocations
    (:data:`DUCKDB_BUILD_PHASES`), which replaces it (one rename) only when every model and test
    of both passed; effect tables of the same build id are carried
    over. A failed, killed or interrupted build leaves the published file as it was. On Spark the
    models are rebuilt in place (see README, "Running on Spark"); the build id still tells mixed
    marts apart."""
    plan = plan_build(paths, variables, target)
    with reading(plan.snapshot):
        pinned = replace(paths, raw_dir=plan.snapshot.directory)
        if plan.target != DUCKDB_TARGET:
            results = [run_dbt(pinned, ["build"], plan.variables, plan.target)]
        else:
            with building_file(paths.duckdb_path) as building:
                results = []
                for phase in DUCKDB_BUILD_PHASES:
                    results.append(run_dbt(replace(pinned, duckdb_path=building),
                                           ["build", "--selector", phase, "--no-write-json"],
                                           plan.variables, plan.target))
                    _write_run_results(paths, phase, results[-1])
                settle(building)
                with exclusive_lock(paths.duckdb_path):
                    _carry_over(paths.duckdb_path, building, plan.build_id)
                    settle(paths.duckdb_path)
                    publish_file(building, paths.duckdb_path)
    prune_snapshots(paths.duckdb_path, keep={plan.snapshot.id})
    return plan.with_timings(results)


def _write_run_results(paths: Paths, phase: str, result) -> None:
    """Write dbt's run results of a build phase as run_results.<phase>.json in dbt's target folder
    (the files keep both phases' timings and statuses), and as run_results.json (the last phase's,
    as dbt itself would leave it). The phases run with --no-write-json because dbt would also
    rewrite manifest.json after each one: 1.5 s per phase, whatever the data's size, for the
    project the parse already wrote there. Nothing is written when dbt was told not to write its
    artifacts (DBT_WRITE_JSON=false)."""
    if os.environ.get("DBT_WRITE_JSON", "").strip().lower() in {"false", "0", "no", "n", "f", "off"}:
        return
    folder = _target_dir(paths)
    folder.mkdir(parents=True, exist_ok=True)
    written = folder / f"run_results.{phase}.json"
    result.result.write(str(written))
    shutil.copyfile(written, folder / "run_results.json")


def _carry_over(published: Path, building: Path, build_id: str) -> None:
    """Carry the effect tables of the same build over; a published file held open for writing by
    another program (DuckDB's lock) only costs that: the estimator stage must run again."""
    try:
        carry_over_effects(published, building, build_id)
    except KuaiRecError as error:
        log(f"effect tables not carried over ({error}); run `kuairec-causal estimate`")


def build_effects(paths: Paths, variables: dict, marts_target: str | None = None) -> None:
    """Test the estimator stage's tables, the dbt sources effects_* (selector ``effects``).
    They live in the DuckDB file whichever target holds the marts; when that is another target (``marts_target``,
    default :func:`dbt_target`), the effect tests that also read the marts are left out (selector
    ``effects_without_marts``)."""
    selector = "effects" if (marts_target or dbt_target()) == DUCKDB_TARGET else "effects_without_marts"
    with exclusive_lock(paths.duckdb_path):  # the raw views keep reading the build's pinned snapshot
        run_dbt(paths, ["build", "--selector", selector], {**variables, "register_raw_tables": False}, DUCKDB_TARGET)
        mark_tested(paths.duckdb_path)


def project_files(root: Path) -> list[Path]:
    """The files that define the warehouse (their content decides whether a rebuild is due)."""
    files = [root / "dbt_project.yml", root / "selectors.yml", root / "profiles" / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests/dbt"):
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    return [f for f in files if f.exists()]

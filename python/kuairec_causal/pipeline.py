"""The main job, stage by stage: data -> warehouse -> estimators -> effect tables -> report.

Each stage records a fingerprint of its inputs in ``warehouse/run_state.json``; a re-run skips a
stage whose fingerprint is unchanged *and* whose output is verifiably still there: the raw tables
came from the requested source (else it is ingested again), the published marts carry the
expected build id, the effect tables record that build and these settings (``fresh=True`` forces
everything). So ``run`` always analyses exactly the data it was asked for, whatever was ingested
or built by hand in between.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kuairec_causal.config import Paths
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.ingest import ingest_release, read_manifest, source_identity
from kuairec_causal.parallel import holding_cores, parallel_calls, shared_cores
from kuairec_causal.progress import log, stage
from kuairec_causal.store import (
    BUILD_ID,
    DuckDBMartReader,
    MartReader,
    check_effects_current,
    copy_relations,
    marts_build_id,
    read_effect_builds,
    write_tables,
)
from kuairec_causal.studies.common import StudyContext, StudySettings, load_truth
from kuairec_causal.warehouse import (
    build_effects,
    build_panel,
    build_vars,
    dbt_target,
    expected_build_vars,
    interaction_matrix_for_scale,
    parse_ahead,
    plan_build,
    project_files,
)

STUDIES = {
    "long_term": "kuairec_causal.studies.long_term",
    "mediation": "kuairec_causal.studies.mediation",
    "long_term_regime": "kuairec_causal.studies.long_term_regime",
}
CODE_PACKAGES = ("estimators", "studies")
CODE_MODULES = ("parallel.py",)  # outside those packages, but how the estimators run their tasks


@dataclass
class RunOptions:
    scale: str = "small"
    seed: int = 20200705
    archive: Path | None = None
    interaction_matrix: str | None = None
    fresh: bool = False
    settings: StudySettings = field(default_factory=StudySettings)
    studies: tuple[str, ...] = tuple(STUDIES)
    report: bool = True


@dataclass
class RunState:
    path: Path
    fingerprints: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: Paths) -> RunState:
        path = paths.duckdb_path.parent / "run_state.json"
        data = json.loads(path.read_text()) if path.is_file() else {}
        return cls(path, data.get("fingerprints", {}))

    def up_to_date(self, stage_name: str, fingerprint: str) -> bool:
        return self.fingerprints.get(stage_name) == fingerprint

    def record(self, stage_name: str, fingerprint: str) -> None:
        self.fingerprints[stage_name] = fingerprint
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"fingerprints": self.fingerprints}, indent=2, sort_keys=True))
        temporary.replace(self.path)


def _digest(*parts: object) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            hasher.update(part.read_bytes() if part.is_file() else str(part).encode())
        else:
            hasher.update(json.dumps(part, sort_keys=True, default=str).encode())
    return hasher.hexdigest()[:16]


def _code_files(root: Path) -> list[Path]:
    package = Path(__file__).parent
    return sorted([*(p for name in CODE_PACKAGES for p in (package / name).rglob("*.py")),
                   *(package / name for name in CODE_MODULES)])


def default_release_dir(paths: Paths, scale: str, seed: int) -> Path:
    return paths.data_dir / "simulated" / f"{scale}-seed{seed}"


def _stage(state: RunState, name: str, fingerprint: str, fresh: bool, timings: dict,
           action: Callable[[], object], still_valid: Callable[[], bool] = lambda: True) -> bool:
    """Run ``action`` unless its fingerprint is recorded and ``still_valid()`` confirms its output;
    returns whether it ran. Fingerprints chain (each stage's includes its inputs' fingerprints),
    so a rerun stage invalidates later ones."""
    if _reused(state, name, fingerprint, fresh, timings, still_valid):
        return False
    with stage(name, timings):
        action()
    state.record(name, fingerprint)
    return True


def _reused(state: RunState, name: str, fingerprint: str, fresh: bool, timings: dict,
            still_valid: Callable[[], bool]) -> bool:
    """Whether stage ``name``'s recorded output can stand (logged, timed 0 s) instead of a rerun."""
    if fresh or not state.up_to_date(name, fingerprint) or not still_valid():
        return False
    log(f"[{time.strftime('%H:%M:%S')}] {name}: up to date, reused")
    timings[name] = 0.0
    return True


def ensure_data(paths: Paths, options: RunOptions, state: RunState, timings: dict, matrix: str | None = None) -> dict:
    """Ingest the given archive, or simulate (once) and ingest the default synthetic release. The
    raw tables are reused only when their manifest says they came from that very file. While
    ingest runs, dbt parses the project for the build that follows (``matrix`` feeds its panel)."""
    if options.archive is not None:
        source = Path(options.archive).resolve()
        if not source.exists():
            raise KuaiRecError(f"--archive {source}: path does not exist")
        fingerprint = _digest(source_identity(source))
        _stage(state, "data", fingerprint, options.fresh, timings,
               lambda: _parse_and_ingest(paths, source, matrix), lambda: _ingested_from(paths, source))
    else:
        release_dir = default_release_dir(paths, options.scale, options.seed)
        archive = release_dir / "KuaiRec_synthetic.zip"
        fingerprint = _digest("simulated", options.scale, options.seed, _code_version("simulate"))

        def simulate_and_ingest() -> None:
            from kuairec_causal.simulate.release import simulate_release

            if options.fresh or not archive.is_file() or not state.up_to_date("simulation", fingerprint):
                simulate_release(options.scale, options.seed, release_dir, jobs=options.settings.jobs)
                state.record("simulation", fingerprint)
            _parse_and_ingest(paths, archive, matrix)

        _stage(state, "data", fingerprint, options.fresh, timings, simulate_and_ingest,
               lambda: archive.is_file() and _ingested_from(paths, archive))
    manifest = read_manifest(paths.raw_dir)
    if manifest is None:
        raise KuaiRecError(f"{paths.raw_dir}: ingest left no manifest")
    return manifest


def _parse_and_ingest(paths: Paths, source: Path, matrix: str | None) -> None:
    try:
        parse_ahead(paths, expected_build_vars(source, matrix))
    except KuaiRecError:
        pass  # bad vars are reported by the build, after ingest has checked the release
    ingest_release(source, paths.raw_dir)


def _ingested_from(paths: Paths, source: Path) -> bool:
    manifest = read_manifest(paths.raw_dir) or {}
    return manifest.get("source_identity") == source_identity(source)


def settings_digest(settings: StudySettings, study: str) -> str:
    """What decides a study's effect tables besides the marts: its settings and the code."""
    return _digest(*_code_files(Path(__file__).parent), settings.to_dict(), study)


def published_build_id(paths: Paths) -> str | None:
    """The build id of the published marts, or None when there is no (consistent) warehouse."""
    try:
        return marts_build_id(mart_reader(paths), paths.root)
    except KuaiRecError:
        return None


def _code_version(package: str) -> str:
    folder = Path(__file__).parent / package
    return _digest(*sorted(folder.rglob("*.py")))


def mart_reader(paths: Paths, target: str | None = None) -> MartReader:
    """The reader of the marts on the warehouse's dbt target (default: env var
    KUAIREC_DBT_TARGET, else duckdb): the DuckDB file, or the Spark catalog."""
    if (target or dbt_target()) == "spark":
        from kuairec_causal.spark import SparkMartReader

        return SparkMartReader(paths=paths)
    return DuckDBMartReader(paths.duckdb_path)


def run_study(paths: Paths, name: str, settings: StudySettings, interaction_matrix: str,
              reader: MartReader | None = None, build_id: str | None = None) -> dict:
    """Run one study on the marts (read through ``reader``, default :func:`mart_reader`) and
    write its effect tables into the DuckDB file, with the build id of the marts it read (refused
    when the marts mix builds, or were rebuilt while the study ran)."""
    reader = reader or mart_reader(paths)
    build_id = build_id or marts_build_id(reader, paths.root)
    tables = _study_tables(reader, STUDIES[name], settings, interaction_matrix)
    _write_study(paths, name, tables, build_id, settings)
    return tables


def _study_tables(reader: MartReader, module: str, settings: StudySettings, interaction_matrix: str) -> dict:
    """A study's tables, computed with one BLAS thread wherever the study runs: the estimators
    run so anyway, and a study's own summaries (balance, correlations) would otherwise round
    differently in this process (several BLAS threads) than in a worker process (one)."""
    from threadpoolctl import threadpool_limits

    context = StudyContext(reader=reader, settings=settings, interaction_matrix=interaction_matrix,
                           truth=load_truth(reader, interaction_matrix))
    with threadpool_limits(limits=1):
        return importlib.import_module(module).run_study(context)


def _write_study(paths: Paths, name: str, tables: dict, build_id: str, settings: StudySettings) -> None:
    longer = [f"{other}_" for other in STUDIES if other != name and other.startswith(f"{name}_")]
    write_tables(paths.duckdb_path, tables, replace_all_with_prefix=f"{name}_", keep_prefixes=longer,
                 provenance=(name, build_id, settings_digest(settings, name)))


def run_studies(paths: Paths, names: list[str], settings: StudySettings, interaction_matrix: str,
                reader: MartReader | None = None, build_id: str | None = None,
                on_written: Callable[[str], None] = lambda name: None) -> dict[str, float]:
    """Run the studies, write each one's effect tables (then call ``on_written(name)``) and return
    each study's seconds (stage lines ``estimate:<name>``).

    With ``settings.jobs`` >= 2 and several studies, the studies run side by side, each in a
    process of its own with its share of the jobs (longest first, as :data:`STUDIES` lists them):
    a study's parallel steps leave a core idle between and at the end of their task maps, and
    another study fills it. Once no study waits to start, the task maps of those still running
    also take the cores of those that have finished (:func:`..parallel.holding_cores`). The tables
    do not depend on any of this (they do not depend on ``jobs``).
    The DuckDB file takes one writer and no reader beside it, so the tables are written here
    once every study has finished: first those that finished, then the first failure is raised.
    """
    reader = reader or mart_reader(paths)
    build_id = build_id or marts_build_id(reader, paths.root)
    side_by_side = min(settings.jobs, len(names)) if isinstance(reader, DuckDBMartReader) else 1
    seconds: dict[str, float] = {}
    if side_by_side <= 1:  # one after the other, each with every job
        for name in names:
            tables, seconds[name] = _timed_study(reader, name, STUDIES[name], settings, interaction_matrix)
            _write_study(paths, name, tables, build_id, settings)
            on_written(name)
        return seconds
    share = replace(settings, jobs=max(1, settings.jobs // side_by_side))
    with tempfile.TemporaryDirectory(prefix="kuairec-cores-") as scratch, \
            shared_cores(Path(scratch), settings.jobs, names) as cores:
        calls = [functools.partial(_timed_study, reader, name, STUDIES[name], share, interaction_matrix, cores=cores)
                 for name in names]
        outcomes = parallel_calls(calls, side_by_side)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    for name, outcome in zip(names, outcomes):
        if not isinstance(outcome, BaseException):
            tables, seconds[name] = outcome
            _write_study(paths, name, tables, build_id, settings)
            on_written(name)
    if failures:
        raise failures[0]
    return seconds


def _timed_study(reader: MartReader, name: str, module: str, settings: StudySettings, interaction_matrix: str,
                 cores: Path | None = None) -> Any:
    """A study's tables and seconds. Beside others (``cores``: the folder through which they share
    the cores), the error it failed with instead, returned so that the studies beside it still
    finish and are written."""
    timings: dict[str, float] = {}
    try:
        with stage(f"estimate:{name}", timings), \
                holding_cores(cores, name, settings.jobs) if cores else contextlib.nullcontext():
            tables = _study_tables(reader, module, settings, interaction_matrix)
    except Exception as error:
        if cores is None:
            raise
        return error
    return tables, timings[f"estimate:{name}"]


def report_label(manifest: dict, matrix: str) -> str:
    """One report folder per data set and matrix, e.g. ``simulated-small-seed20200705-small_matrix``."""
    if manifest.get("simulated"):
        truth = manifest.get("truth", {})
        null = "-null" if truth.get("null_effects") else ""
        return f"simulated-{truth.get('scale')}-seed{truth.get('seed')}{null}-{matrix}"
    return f"kuairec-{matrix}"


def build_effect_tables(paths: Paths, variables: dict) -> None:
    """The effect tables' dbt tests in the DuckDB file; for marts on another target, first a copy
    of the marts the report reads (the report reads only the DuckDB file, and never writes)."""
    if dbt_target() != "duckdb":
        from kuairec_causal.report.tables import warehouse_inputs

        copied = copy_relations(mart_reader(paths), paths.duckdb_path, warehouse_inputs())
        log(f"copied {len(copied)} report inputs into DuckDB")
    build_effects(paths, variables)


def _effects_recorded(paths: Paths, build_id: str, study: str | None = None, digest: str | None = None,
                      tested: bool = False) -> bool:
    builds = read_effect_builds(paths.duckdb_path)
    rows = builds if study is None else builds[builds["study"] == study]
    ok = len(rows) > 0 and bool((rows[BUILD_ID] == build_id).all())
    ok = ok and (digest is None or bool((rows["settings"] == digest).all()))
    return ok and (not tested or bool(rows["tested"].astype(bool).all()))


def run_pipeline(options: RunOptions) -> dict:
    paths = Paths.from_environment()
    state = RunState.load(paths)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    default_matrix = interaction_matrix_for_scale(options.scale) if options.archive is None else None
    manifest = ensure_data(paths, options, state, timings, options.interaction_matrix or default_matrix)
    variables = build_vars(paths, options.interaction_matrix or default_matrix)
    matrix = variables["interaction_matrix"]
    build_id = plan_build(paths, variables).build_id
    _stage(state, "warehouse", build_id, options.fresh, timings, lambda: build_panel(paths, variables),
           lambda: published_build_id(paths) == build_id)
    digests = {name: settings_digest(options.settings, name) for name in options.studies}
    fingerprints = {name: _digest(build_id, digest) for name, digest in digests.items()}
    stale = [name for name in options.studies
             if not _reused(state, f"estimate:{name}", fingerprints[name], options.fresh, timings,
                            functools.partial(_effects_recorded, paths, build_id, name, digests[name]))]
    if stale:
        with stage("estimate", timings):
            timings.update({f"estimate:{name}": seconds for name, seconds in run_studies(
                paths, stale, options.settings, matrix, build_id=build_id,
                on_written=lambda name: state.record(f"estimate:{name}", fingerprints[name])).items()})
    estimated_fp = list(fingerprints.values())
    effects_fp = _digest(*estimated_fp, *project_files(paths.root))
    _stage(state, "effects", effects_fp, options.fresh, timings, lambda: build_effect_tables(paths, variables),
           lambda: _effects_recorded(paths, build_id, tested=True))
    report_dir = None
    if options.report:
        from kuairec_causal.report import build_report

        report_fp = _digest(effects_fp, _code_version("report"))
        report_dir = paths.reports_dir / report_label(manifest, matrix)

        def report() -> None:
            check_report_inputs(paths, options.studies)
            build_report(paths, report_dir, options.settings.jobs)

        _stage(state, "report", report_fp, options.fresh or not (report_dir / "report.html").is_file(), timings, report)
    timings["total"] = time.perf_counter() - started
    return {"paths": paths, "timings": timings, "report_dir": report_dir, "interaction_matrix": matrix,
            "simulated": bool(manifest.get("simulated"))}


def check_report_inputs(paths: Paths, studies: tuple[str, ...] | list[str] = tuple(STUDIES)) -> str:
    """The report's guard: every study's effect tables present, tested and from the build of the
    marts in the DuckDB file. Returns that build id."""
    from kuairec_causal.report.tables import MART_TABLES, PANEL

    marts = [*MART_TABLES, PANEL]
    return check_effects_current(paths.duckdb_path, studies, marts)

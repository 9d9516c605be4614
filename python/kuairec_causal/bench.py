"""Stage-by-stage benchmark: wall time, peak memory and throughput at a chosen scale.

Each measured run of a stage happens in a fresh child process (so peak resident memory, that of
the child and its worker processes together, is the stage's own), against a private workspace
(``bench/tmp/<scale>``) that never touches the user's warehouse. Cheap stages are repeated
(median of ``repeats``); results go to ``bench/results/<date>-<scale>.json`` (``-2``, ``-3``...
for later runs of the day) and a line is appended to ``bench/RESULTS.md``.

The warehouse is compared with two baselines that build the notebook's bare user-day panel from
the same extracted interaction CSV (kuairec_causal.bench_baselines): the notebook's logic in
pandas, and one DuckDB query (the floor). Ingest, build and both baselines run in rounds
(ingest, build, pandas, DuckDB, then again), so every ratio compares runs made side by side on
the same machine; ratios are the medians of the per-round ratios.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kuairec_causal import installed_version
from kuairec_causal.config import Paths
from kuairec_causal.errors import KuaiRecError
from kuairec_causal.progress import log

# Published targets on the reference 2-core, 24 GB machine: seconds, MB, or ratios to the
# baselines measured in the same run (issue #14: the archive to every mart in at most half the
# time of the notebooks' pandas bare panel, the SQL part within 3x the single-query floor). The
# estimator stage (both suites, 200 replicates) is also held to a multiple of one DoubleML IRM fit
# on the long-term mart measured in the same run (issue #15). "Together" is the stage ``suites``
# (both suites run as ``estimate`` runs them: side by side with --jobs >= 2) when it was measured,
# else the sum of the stages ``long_term`` and ``mediation`` (each suite alone on every core).
TARGETS = {
    ("full", "ingest+build"): {"vs_pandas_panel": 0.5, "peak_mb": 1536.0},
    ("full", "build_sql"): {"vs_duckdb_panel": 3.0},
    ("small", "ingest+build"): {"seconds": 8.0},
    ("small", "build_sql"): {"seconds": 20.0},
    ("small", "estimators"): {"seconds": 150.0, "vs_doubleml_irm": 4.5},
    ("full", "estimators"): {"seconds": 600.0},
}
STAGES = ("simulate", "ingest", "build", "pandas_panel", "duckdb_panel", "inflate", "build_tiny", "long_term",
          "mediation", "suites", "doubleml_irm", "report")
SUITES = ["long_term", "mediation"]
REPEATED = {"ingest", "build", "pandas_panel", "duckdb_panel", "inflate", "build_tiny", "report", "doubleml_irm"}
# Run in rounds, one of each per round, so that their ratios are measured side by side.
PAIRED = ("ingest", "build", "pandas_panel", "duckdb_panel", "inflate", "build_tiny")
# The stage build_tiny builds this release (a few thousand rows, ingested once before the rounds,
# untimed, in the workspace's folder "tiny"): what any build costs whatever the data's size.
TINY_RELEASE = "tiny"
BASELINES = {"pandas_panel", "duckdb_panel"}
# The reference: DoubleML's IRM (ATE) on the long-term mart with LightGBM learners of 2 threads,
# 5 folds and 3 repetitions (pip install '.[bench]'); skipped when doubleml is not installed.
DOUBLEML_IRM = {"n_folds": 5, "n_rep": 3, "threads": 2}


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def archive(self) -> Path:
        from kuairec_causal.simulate.release import ARCHIVE_NAME  # numpy and pandas: only when needed

        return self.release / ARCHIVE_NAME

    @property
    def panel_csv(self) -> Path:
        """The extracted interaction CSV the baselines read."""
        return self.root / "csv" / "interactions.csv"

    @property
    def paths(self) -> Paths:
        return Paths(root=Paths.from_environment().root, duckdb_path=self.root / "kuairec.duckdb",
                     raw_dir=self.root / "raw")


def _doubleml_irm(paths: Paths, seed: int) -> dict:
    """One DoubleML IRM fit of the long-term study's primary effect (the reference for speed)."""
    import doubleml
    from lightgbm import LGBMClassifier, LGBMRegressor

    from kuairec_causal.store import DuckDBMartReader
    from kuairec_causal.studies import long_term as lt
    from kuairec_causal.studies.common import StudyContext

    panel = lt.load_panel(StudyContext(reader=DuckDBMartReader(paths.duckdb_path)))
    threads = DOUBLEML_IRM["threads"]
    outcome = lt.learners(seed)["lightgbm_outcome"].get_params()
    propensity = lt.learners(seed)["lightgbm_propensity"].get_params()
    outcome_values = panel.data[panel.columns.primary_outcome].to_numpy(float)
    data = doubleml.DoubleMLData.from_arrays(panel.X, outcome_values, panel.a)
    model = doubleml.DoubleMLIRM(data, ml_g=LGBMRegressor(**{**outcome, "n_jobs": threads}),
                                 ml_m=LGBMClassifier(**{**propensity, "n_jobs": threads}),
                                 n_folds=DOUBLEML_IRM["n_folds"], n_rep=DOUBLEML_IRM["n_rep"])
    start = time.perf_counter()
    model.fit()
    return {"fit_seconds": time.perf_counter() - start, "estimate": float(model.coef[0]),
            "std_error": float(model.se[0]), **DOUBLEML_IRM}


def _child_stage(stage_name: str, workspace: Path, scale: str, seed: int, n_boot: int, jobs: int = 1) -> dict:
    """Run one stage in this (child) process and report its own measurements."""
    import resource

    from kuairec_causal.ingest import ingest_release
    from kuairec_causal.pipeline import run_studies, run_study
    from kuairec_causal.studies.common import StudySettings
    from kuairec_causal.warehouse import build_panel, build_vars, interaction_matrix_for_scale, saved_manifest_exists

    space = Workspace(workspace)
    paths = space.paths
    os.environ["DBT_TARGET_PATH"] = str(space.root / "target")
    os.environ["DBT_LOG_PATH"] = str(space.root / "logs")
    matrix = interaction_matrix_for_scale(scale)
    info: dict = {}
    memory = _TreeMemory()
    start = time.perf_counter()
    if stage_name == "simulate":
        from kuairec_causal.simulate.release import simulate_release

        simulate_release(scale, seed, space.release, jobs=jobs)
    elif stage_name == "ingest":
        manifest = ingest_release(space.archive, paths.raw_dir)
        info["rows"] = manifest["rows"][matrix]
    elif stage_name in {"build", "build_tiny"}:
        if stage_name == "build_tiny":
            paths, matrix = Workspace(space.root / TINY_RELEASE).paths, interaction_matrix_for_scale(TINY_RELEASE)
        if paths.duckdb_path.exists():
            paths.duckdb_path.unlink()
        variables = build_vars(paths, matrix)
        # a build after the first of a workspace loads the manifest its first one parsed (7-8 s less)
        info["manifest"] = "loaded" if saved_manifest_exists(paths, variables) else "parsed"
        plan = build_panel(paths, variables)
        info["sql_seconds"], info["model_seconds"] = plan.sql_seconds, plan.node_seconds
    elif stage_name == "pandas_panel":
        from kuairec_causal.bench_baselines import pandas_panel

        info["panel_rows"] = len(pandas_panel(space.panel_csv))
    elif stage_name == "duckdb_panel":
        from kuairec_causal.bench_baselines import duckdb_panel

        info["panel_rows"] = duckdb_panel(space.panel_csv)
    elif stage_name == "inflate":
        from kuairec_causal.ingest import inflate_seconds

        info["member_seconds"] = inflate_seconds(space.archive)
    elif stage_name in {"long_term", "mediation"}:
        run_study(paths, stage_name, StudySettings(n_boot=n_boot, seed=seed, jobs=jobs), matrix)
    elif stage_name == "suites":
        info["suite_seconds"] = run_studies(paths, SUITES, StudySettings(n_boot=n_boot, seed=seed, jobs=jobs), matrix)
    elif stage_name == "doubleml_irm":
        info.update(_doubleml_irm(paths, seed))
    elif stage_name == "report":
        from kuairec_causal.report import build_report

        build_report(paths, space.root / "report", jobs)
    else:
        raise KuaiRecError(f"unknown stage '{stage_name}'")
    info["seconds"] = time.perf_counter() - start
    info["own_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    info["peak_mb"] = max(info["own_peak_mb"], memory.stop())  # with the stage's worker processes
    return info


class _TreeMemory:
    """Peak resident memory of this process and its descendants together (the worker processes
    of ``--jobs``), sampled from /proc every ``interval`` seconds in a daemon thread. ``ru_maxrss``
    alone is one process's own peak; the sample can miss a spike shorter than the interval, so
    the stage reports the larger of the two. Where /proc is missing (not Linux) the peak stays 0."""

    def __init__(self, interval: float = 0.2):
        import threading

        self.peak_kb, self._interval, self._done = 0, interval, threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-memory", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(self._interval):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._done.set()
        self._thread.join()
        return self.peak_kb / 1024


def _tree_rss_kb(pid: int) -> int:
    """Resident kB of ``pid`` and every descendant (0 for a process that has just exited)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def _run_child(stage_name: str, workspace: Path, scale: str, seed: int, n_boot: int, jobs: int = 1,
               checkout: Path | None = None, extra_env: dict[str, str] | None = None) -> dict:
    """One stage in a fresh process. ``checkout``: another work tree of this repository whose own
    package and dbt project run the stage (to time one commit against another on one release)."""
    command = [sys.executable, "-m", "kuairec_causal.bench", stage_name, str(workspace), scale, str(seed), str(n_boot),
               str(jobs)]
    env = {**os.environ, "KUAIREC_PROGRESS": os.environ.get("KUAIREC_PROGRESS", "1"), **(extra_env or {})}
    if checkout is not None:
        env.update(PYTHONPATH=str(checkout / "python"), KUAIREC_HOME=str(checkout))
    completed = subprocess.run(command, env=env, cwd=checkout, stdout=subprocess.PIPE, text=True)
    if completed.returncode == INTERRUPTED_EXIT:
        raise KeyboardInterrupt
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0:
        reported = json.loads(lines[-1]).get("error", "") if lines and lines[-1].startswith("{") else ""
        cause = reported.removeprefix("error: ") or f"exit {completed.returncode}"
        raise KuaiRecError(f"bench stage {stage_name} failed: {cause}")
    return json.loads(lines[-1])


INTERRUPTED_EXIT = 130


def _child_main(argv: list[str]) -> int:
    """A stage's process: its summary as one JSON line on stdout; a failure reported in the same
    way (``{"error": ...}``, exit 2) for the parent's one line, and Ctrl-C left to the parent to
    report (exit 130), so that no traceback reaches the console."""
    stage_arg, workspace_arg, scale_arg, seed_arg, boot_arg, jobs_arg = argv
    try:
        summary = _child_stage(stage_arg, Path(workspace_arg), scale_arg, int(seed_arg), int(boot_arg), int(jobs_arg))
    except (KeyboardInterrupt, Exception) as error:  # noqa: BLE001 - reported as one line by the parent
        from kuairec_causal.cli import describe_failure

        message = describe_failure(error)
        if message is None:
            sys.stdout.flush()
            os._exit(INTERRUPTED_EXIT)  # at once, as the command itself does on Ctrl-C
        print(json.dumps({"error": message}), flush=True)
        return 2
    print(json.dumps(summary), flush=True)
    return 0


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []
    total_kb = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
               platform.processor())
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **{name: installed_version(name) for name in ("duckdb", "dbt-core", "dbt-duckdb", "lightgbm", "numba",
                                                      "scikit-learn", "pandas", "numpy")},
        # Linux installs the CPU-only wheel, distribution xgboost-cpu
        "xgboost": installed_version("xgboost") or installed_version("xgboost-cpu"),
    }


def run_benchmark(scale: str, seed: int = 20200705, repeats: int = 3, n_boot: int = 200,
                  stages: tuple[str, ...] = STAGES, keep_workspace: bool = False, jobs: int = 1) -> dict:
    paths = Paths.from_environment()
    if "doubleml_irm" in stages and importlib.util.find_spec("doubleml") is None:
        log("bench: doubleml is not installed (pip install '.[bench]'); skipping the DoubleML IRM reference")
        stages = tuple(name for name in stages if name != "doubleml_irm")
    workspace = paths.root / "bench" / "tmp" / scale
    if workspace.exists() and "simulate" in stages:
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    results: dict = {"scale": scale, "seed": seed, "n_boot": n_boot, "jobs": jobs, "date": date.today().isoformat(),
                     "machine": machine(), "stages": {}}
    runs: dict[str, list[dict]] = {}

    def run(stage_name: str, attempt: int) -> None:
        log(f"bench {scale}: {stage_name} (run {attempt + 1})")
        runs.setdefault(stage_name, []).append(_run_child(stage_name, workspace, scale, seed, n_boot, jobs))

    paired = [name for name in PAIRED if name in stages]
    for stage_name in stages:
        if stage_name in paired:
            if stage_name == paired[0]:  # every paired stage, round by round
                if BASELINES & set(paired):
                    _extract_panel_csv(Workspace(workspace), scale)
                if "build_tiny" in paired:
                    _ingest_tiny_release(Workspace(workspace / TINY_RELEASE), seed)
                for attempt in range(repeats):
                    for name in paired:
                        run(name, attempt)
            continue
        for attempt in range(repeats if stage_name in REPEATED else 1):
            run(stage_name, attempt)
    for stage_name in stages:
        results["stages"][stage_name] = summary = _summarise(runs[stage_name])
        log(f"bench {scale}: {stage_name}: {summary['seconds_median']:.1f}s, peak {summary['peak_mb_max']:.0f} MB")
    _derive(results)
    if not keep_workspace:
        shutil.rmtree(workspace, ignore_errors=True)
    _publish(paths.root, results)
    return results


def _extract_panel_csv(space: Workspace, scale: str) -> None:
    """The panel's interaction matrix as a plain CSV, extracted once (not timed) for the baselines."""
    from kuairec_causal.ingest import extract_member
    from kuairec_causal.warehouse import interaction_matrix_for_scale

    member = f"{interaction_matrix_for_scale(scale)}.csv"
    log(f"bench {scale}: extracting {member} for the baselines")
    extract_member(space.archive, member, space.panel_csv)


def _ingest_tiny_release(space: Workspace, seed: int) -> None:
    """The tiny release, simulated and ingested once (not timed) for the stage build_tiny."""
    from kuairec_causal.ingest import ingest_release
    from kuairec_causal.simulate.release import simulate_release

    log("bench: simulating and ingesting the tiny release for build_tiny")
    release = simulate_release(TINY_RELEASE, seed, space.release)
    ingest_release(release.archive, space.paths.raw_dir)


def _summarise(runs: list[dict]) -> dict:
    seconds = [r["seconds"] for r in runs]
    summary = {"runs": len(runs), "seconds_median": statistics.median(seconds), "seconds_all": seconds,
               "peak_mb_max": max(r["peak_mb"] for r in runs), "peak_mb_all": [r["peak_mb"] for r in runs]}
    for key in ("rows", "panel_rows"):
        if key in runs[-1]:
            summary[key] = runs[-1][key]
    if "fit_seconds" in runs[-1]:
        summary["fit_seconds_median"] = statistics.median(r["fit_seconds"] for r in runs)
        summary["estimate"], summary["std_error"] = runs[-1]["estimate"], runs[-1]["std_error"]
    if "sql_seconds" in runs[-1]:
        summary["sql_seconds_median"] = statistics.median(r["sql_seconds"] for r in runs)
        summary["sql_seconds_all"] = [r["sql_seconds"] for r in runs]
        summary["model_seconds"] = runs[-1]["model_seconds"]
    if "suite_seconds" in runs[-1]:  # each suite's own seconds inside the stage suites
        summary["suite_seconds"] = runs[-1]["suite_seconds"]
    if "manifest" in runs[-1]:
        summary["manifest_all"] = [r["manifest"] for r in runs]  # parsed by dbt, or loaded (saved by a parse)
    return summary


def _paired_ratio(numerators: list[float], denominators: list[float]) -> dict:
    """Median of the per-round ratios (rounds ran side by side), with every round's ratio."""
    ratios = [a / b for a, b in zip(numerators, denominators)]
    return {"median": statistics.median(ratios), "all": ratios}


def _derive(results: dict) -> None:
    stages = results["stages"]
    derived = {}
    rows = stages.get("ingest", {}).get("rows")
    if "ingest" in stages and "build" in stages:
        seconds = stages["ingest"]["seconds_median"] + stages["build"]["seconds_median"]
        derived["ingest+build"] = {"seconds": seconds,
                                   "peak_mb": max(stages["ingest"]["peak_mb_max"], stages["build"]["peak_mb_max"])}
        if rows:
            derived["ingest+build"]["rows_per_second"] = rows / seconds
            derived["build_sql"] = {"seconds": stages["build"].get("sql_seconds_median"),
                                    "rows_per_second": rows / stages["build"]["seconds_median"]}
        round_seconds = [a + b for a, b in zip(stages["ingest"]["seconds_all"], stages["build"]["seconds_all"])]
        if "pandas_panel" in stages:
            ratio = _paired_ratio(round_seconds, stages["pandas_panel"]["seconds_all"])
            derived["ingest+build"]["vs_pandas_panel"] = ratio["median"]
            derived["ingest+build"]["vs_pandas_panel_all"] = ratio["all"]
        if "duckdb_panel" in stages and stages["build"].get("sql_seconds_all"):
            ratio = _paired_ratio(stages["build"]["sql_seconds_all"], stages["duckdb_panel"]["seconds_all"])
            derived.setdefault("build_sql", {"seconds": stages["build"]["sql_seconds_median"]})
            derived["build_sql"]["vs_duckdb_panel"] = ratio["median"]
            derived["build_sql"]["vs_duckdb_panel_all"] = ratio["all"]
    floor = _warehouse_floor(stages, results["scale"])
    if floor:
        derived["warehouse_floor"] = floor
    estimators = _estimator_suites(stages)
    if estimators:
        derived["estimators"] = estimators
    checks = []
    for (scale, name), target in TARGETS.items():
        if scale != results["scale"] or name not in derived:
            continue
        for metric, limit in target.items():
            value = derived[name].get(metric)
            if value is None:
                continue
            checks.append({"measure": name, "metric": metric, "value": value, "target": limit, "met": value <= limit})
    results["derived"], results["targets"] = derived, checks


def _warehouse_floor(stages: dict, scale: str) -> dict | None:
    """How much of issue #14's ingest + build target the least necessary work already takes, per
    round: inflating the archive's members with both cores busy (``inflate`` runs them one after
    the other on one thread, so half its time), plus the one-query bare panel (parsing the CSV and
    every window), plus a build of the same project on the tiny release (``build_tiny``: dbt's
    start-up, manifest, every model and test on a few thousand rows, write-audit-publish; no build
    on more data takes less). ``slack`` is what the target leaves for everything else (typed
    Parquet under the data contract, the build's work on the real rows): negative when the floor
    alone is over the target. dbt's own time in the round's build (wall minus dbt's elapsed SQL
    time) is reported beside it."""
    needed = ("inflate", "duckdb_panel", "build_tiny")
    if not all(name in stages for name in needed):
        return None
    inflate_halves = [inflate / 2 for inflate in stages["inflate"]["seconds_all"]]
    parts = zip(inflate_halves, stages["duckdb_panel"]["seconds_all"], stages["build_tiny"]["seconds_all"])
    floors = [sum(round_parts) for round_parts in parts]
    floor: dict = {"seconds": statistics.median(floors), "seconds_all": floors,
                   "inflate_half_seconds_all": inflate_halves}
    build = stages.get("build", {})
    if build.get("sql_seconds_all"):
        floor["build_dbt_own_seconds_all"] = [wall - sql for wall, sql in zip(build["seconds_all"],
                                                                             build["sql_seconds_all"])]
    if scale == "small":
        limits = [TARGETS[("small", "ingest+build")]["seconds"]] * len(floors)
    elif scale == "full" and "pandas_panel" in stages:
        share = TARGETS[("full", "ingest+build")]["vs_pandas_panel"]
        limits = [share * pandas for pandas in stages["pandas_panel"]["seconds_all"]]
        floor["vs_pandas_panel"] = _paired_ratio(floors, stages["pandas_panel"]["seconds_all"])["median"]
    else:
        return floor
    floor["target_seconds_all"] = limits
    floor["slack_seconds_all"] = [limit - value for limit, value in zip(limits, floors)]
    floor["slack_seconds"] = statistics.median(floor["slack_seconds_all"])
    return floor


def _floor_line(results: dict) -> str | None:
    """The warehouse floor against #14's ingest + build target, one line (None when not measured)."""
    floor = results["derived"].get("warehouse_floor")
    if not floor or "slack_seconds" not in floor:
        return None
    return (f"  floor  ingest+build: {floor['seconds']:.1f} s of least work (half the inflate, one query, the tiny "
            f"release's build) leaves {floor['slack_seconds']:.1f} s of the target for every other step")


def _estimator_suites(stages: dict) -> dict | None:
    """Both suites' seconds together: as ``estimate`` runs them (stage ``suites``) when measured,
    else each alone one after the other; with the other figure, peak memory and the multiple of
    one DoubleML IRM fit of the same run."""
    alone = [stages[name] for name in SUITES if name in stages]
    together = stages.get("suites")
    if together is None and len(alone) < len(SUITES):
        return None
    suites: dict = {}
    if len(alone) == len(SUITES):
        suites["one_after_the_other_seconds"] = sum(stage["seconds_median"] for stage in alone)
    if together is not None:
        suites["together_seconds"] = together["seconds_median"]
    suites["measured"] = "together" if together is not None else "one_after_the_other"
    suites["seconds"] = suites[f"{suites['measured']}_seconds"]
    suites["peak_mb"] = max(stage["peak_mb_max"] for stage in [*alone, *([together] if together else [])])
    if "doubleml_irm" in stages:
        suites["vs_doubleml_irm"] = suites["seconds"] / stages["doubleml_irm"]["fit_seconds_median"]
    return suites


def _irm_cell(results: dict) -> str:
    """The IRM fit's seconds, with both suites' seconds and their multiple of it when measured."""
    irm = results["stages"].get("doubleml_irm")
    suites = results["derived"].get("estimators")
    cells = [f"{irm['fit_seconds_median']:.1f}" if irm else "-"]
    if suites:
        how = "together" if suites["measured"] == "together" else "one after the other"
        multiple = f"{suites['vs_doubleml_irm']:.2f}x: " if "vs_doubleml_irm" in suites else ""
        cells.append(f"({multiple}suites {suites['seconds']:.1f} {how})")
    return " ".join(cells)


def target_lines(results: dict) -> list[str]:
    """One line per published target: met, or MISSED with the measured value; then the warehouse
    floor against the ingest + build target when it was measured."""
    lines = [
        f"  {'met   ' if check['met'] else 'MISSED'} {check['measure']} {check['metric']}: "
        f"{check['value']:.3g} (target <= {check['target']:g})"
        for check in results["targets"]
    ]
    floor = _floor_line(results)
    return [*lines, floor] if floor else lines


RESULTS_HEADER = (
    "| date | scale | simulate | ingest | dbt build (SQL) | long-term | mediation | report | ingest+build peak MB "
    "| bare panel: pandas (one DuckDB query) | ingest+build / pandas, SQL / query | machine | file | jobs "
    "| DoubleML IRM fit (estimators / IRM) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
)


def _unused_path(folder: Path, stem: str) -> Path:
    """``<stem>.json``, or ``<stem>-2.json``, ``-3``... : a later run of the day keeps the earlier ones."""
    path, number = folder / f"{stem}.json", 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}.json"
    return path


def _publish(root: Path, results: dict) -> None:
    folder = root / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = _unused_path(folder, f"{results['date']}-{results['scale']}")
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    table = root / "bench" / "RESULTS.md"
    if not table.exists():
        table.write_text(
            "# Benchmark results\n\nOne line per clean run of `kuairec-causal bench` (stage medians in seconds; "
            "peak memory in MB; ratios are medians of per-round ratios; details in the JSON file).\n\n" + RESULTS_HEADER
        )
    stages, derived = results["stages"], results["derived"]

    def cell(name: str) -> str:
        return f"{stages[name]['seconds_median']:.1f}" if name in stages else "-"

    def ratio(measure: str, metric: str) -> str:
        value = derived.get(measure, {}).get(metric)
        return f"{value:.2f}" if value is not None else "-"

    build = stages.get("build", {})
    build_cell = (f"{build['seconds_median']:.1f} ({build['sql_seconds_median']:.1f})"
                  if build.get("sql_seconds_median") else cell("build"))
    peak = derived.get("ingest+build", {}).get("peak_mb")
    peak_cell = f"{peak:.0f}" if peak is not None else "-"
    baselines = f"{cell('pandas_panel')} ({cell('duckdb_panel')})" if BASELINES & set(stages) else "-"
    ratios = (f"{ratio('ingest+build', 'vs_pandas_panel')}, {ratio('build_sql', 'vs_duckdb_panel')}"
              if BASELINES & set(stages) else "-")
    m = results["machine"]
    line = (f"| {results['date']} | {results['scale']} | {cell('simulate')} | {cell('ingest')} | {build_cell} | "
            f"{cell('long_term')} | {cell('mediation')} | {cell('report')} | {peak_cell} | {baselines} | {ratios} | "
            f"{m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, duckdb {m['duckdb']} | "
            f"[{path.name}](results/{path.name}) | {results.get('jobs', 1)} | {_irm_cell(results)} |\n")
    with table.open("a") as handle:
        handle.write(line)
    log(f"bench results: {path}")


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:7]))

"""The ``kuairec-causal`` command line: simulate, ingest, build, estimate, report, run, docs, bench."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kuairec_causal.errors import KuaiRecError
from kuairec_causal.raw_schema import MAX_REJECT_SHARE

SCALE_HELP = ("tiny: test fixture; ci: coverage tests; small: the default demo (real small_matrix size); "
              "full: real big_matrix size")


def _settings(args: argparse.Namespace):
    from kuairec_causal.studies.common import StudySettings

    return StudySettings(n_boot=args.n_boot, seed=args.seed, n_folds=args.folds, jobs=args.jobs)


def _simulate(args: argparse.Namespace) -> int:
    from kuairec_causal.simulate.release import simulate_release

    release = simulate_release(args.scale, args.seed, Path(args.out), null_effects=args.null_effects, jobs=args.jobs)
    print(f"archive: {release.archive}\ntruth:   {release.truth}")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from kuairec_causal.config import Paths
    from kuairec_causal.ingest import ingest_release

    paths = Paths.from_environment()
    manifest = ingest_release(Path(args.source), paths.raw_dir, truth=Path(args.truth) if args.truth else None,
                              max_reject_share=args.max_reject_share)
    print(f"raw tables: {paths.raw_dir}")
    for table, rows in manifest["rows"].items():
        print(f"  {table:<26} {rows:>12,} rows")
    for table, reasons in manifest.get("rejects", {}).items():
        for reason, rows in reasons.items():
            print(f"  rejected from {table}: {rows:,} rows ({reason})")
    return 0


def _build(args: argparse.Namespace) -> int:
    from kuairec_causal.config import Paths
    from kuairec_causal.progress import stage
    from kuairec_causal.vars_schema import parse_vars_json
    from kuairec_causal.warehouse import build_panel, build_vars

    paths = Paths.from_environment()
    variables = build_vars(paths, args.matrix, parse_vars_json(args.vars))
    with stage(f"dbt build ({variables['interaction_matrix']})"):
        plan = build_panel(paths, variables)
    print(f"warehouse: {paths.duckdb_path} (build {plan.build_id}, raw snapshot {plan.snapshot.directory})")
    return 0


def _estimate(args: argparse.Namespace) -> int:
    from kuairec_causal.config import Paths
    from kuairec_causal.pipeline import STUDIES, build_effect_tables, mart_reader, run_studies
    from kuairec_causal.progress import stage
    from kuairec_causal.store import marts_build_id
    from kuairec_causal.warehouse import build_vars

    paths = Paths.from_environment()
    variables = build_vars(paths, args.matrix)
    studies = list(STUDIES) if args.study == "all" else [args.study]
    reader = mart_reader(paths)
    build_id = marts_build_id(reader, paths.root)  # refuses marts of mixed builds before any work
    run_studies(paths, studies, _settings(args), variables["interaction_matrix"], reader=reader, build_id=build_id)
    with stage("dbt build --selector effects"):
        build_effect_tables(paths, variables)
    print(f"effect tables: {paths.duckdb_path} (schema effects)")
    return 0


def _report(args: argparse.Namespace) -> int:
    from kuairec_causal.config import Paths
    from kuairec_causal.pipeline import check_report_inputs
    from kuairec_causal.progress import stage
    from kuairec_causal.report import build_report

    paths = Paths.from_environment()
    out = Path(args.out) if args.out else paths.reports_dir / "latest"
    check_report_inputs(paths)  # effect tables present, tested, of the marts' build
    with stage("report"):
        build_report(paths, out, args.jobs)
    print(f"report: {out / 'report.html'}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from kuairec_causal.pipeline import RunOptions, run_pipeline
    from kuairec_causal.report.headline import headline

    options = RunOptions(scale=args.scale, seed=args.seed, archive=Path(args.archive) if args.archive else None,
                         interaction_matrix=args.matrix, fresh=args.fresh, settings=_settings(args))
    outcome = run_pipeline(options)
    paths = outcome["paths"]
    print("\nkuairec-causal run finished in {:.0f}s".format(outcome["timings"]["total"]))
    for name, seconds in outcome["timings"].items():
        if name != "total":
            print(f"  {name:<28} {seconds:7.1f}s")
    print(f"\nwarehouse:     {paths.duckdb_path}  (marts: schema marts; effect tables: schema effects)")
    if outcome["report_dir"] is not None:
        print(f"report:        {outcome['report_dir'] / 'report.html'}")
        print(f"summary:       {outcome['report_dir'] / 'final_summary.md'}")
    print("\n" + headline(paths))
    return 0


def _docs(args: argparse.Namespace) -> int:
    from kuairec_causal.atomic import exclusive_lock
    from kuairec_causal.config import Paths
    from kuairec_causal.warehouse import build_vars, run_dbt

    paths = Paths.from_environment()
    with exclusive_lock(paths.duckdb_path):  # dbt opens the published file for writing
        run_dbt(paths, ["docs", "generate"], build_vars(paths, args.matrix))
    print(f"dbt docs: {paths.root / 'target' / 'index.html'} (serve with `dbt docs serve --profiles-dir profiles`)")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from kuairec_causal.bench import STAGES, run_benchmark, target_lines

    results = run_benchmark(args.scale, seed=args.seed, repeats=args.repeats, n_boot=args.n_boot,
                            stages=args.stages or STAGES,
                            jobs=args.jobs)
    print("\n".join(target_lines(results)))
    return 0


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return number


def _bench_stages(text: str) -> tuple[str, ...]:
    from kuairec_causal.bench import STAGES

    stages = tuple(text.split(","))
    unknown = [stage for stage in stages if stage not in STAGES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown stage {unknown[0]!r} (choose from {', '.join(STAGES)})")
    return stages


ESTIMATOR_JOBS = "the estimator stage (several studies run side by side, sharing them)"


def _add_jobs_option(command: argparse.ArgumentParser, used_by: str = ESTIMATOR_JOBS) -> None:
    from kuairec_causal.cores import available_cores

    command.add_argument("--jobs", type=_positive_int, default=available_cores(),
                         help=f"worker processes of {used_by} (default: the cores available, "
                              f"{available_cores()} here); the results do not depend on it")


def _add_estimation_options(command: argparse.ArgumentParser, jobs_used_by: str = ESTIMATOR_JOBS) -> None:
    command.add_argument("--n-boot", type=int, default=200, help="user-cluster bootstrap replicates (default 200)")
    command.add_argument("--folds", type=int, default=5, help="cross-fitting folds, grouped by user (default 5)")
    _add_jobs_option(command, jobs_used_by)


def _add_target_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--target", choices=["duckdb", "spark"],
                         help="dbt profile target that builds and holds the marts "
                              "(default: $KUAIREC_DBT_TARGET or duckdb); "
                              "effect tables always go to the DuckDB file")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kuairec-causal",
                                     description="SQL-first causal analysis warehouse for KuaiRec.")
    commands = parser.add_subparsers(dest="command", required=True)
    matrix: dict[str, Any] = {
        "choices": ["small_matrix", "big_matrix"],
        "help": "interaction matrix that feeds the panel (default: small_matrix; big_matrix for --scale full)"}

    simulate = commands.add_parser("simulate", help="write a synthetic KuaiRec 2.0 release with planted causal truth")
    simulate.add_argument("--scale", choices=["tiny", "ci", "small", "full"], default="small", help=SCALE_HELP)
    simulate.add_argument("--seed", type=int, default=20200705)
    simulate.add_argument("--out", required=True, help="directory to write (replaced atomically)")
    simulate.add_argument("--null-effects", action="store_true", help="same confounding, every effect zero")
    _add_jobs_option(simulate, "the simulator (its two worlds, the big world's regime truth windows and "
                               "the catalogue's deflate: at most 5 at once)")
    simulate.set_defaults(handler=_simulate)

    ingest = commands.add_parser("ingest", help="load a KuaiRec archive (outer zip, inner KuaiRec.zip or data folder)")
    ingest.add_argument("source", help="18164998.zip, KuaiRec.zip, or an extracted 'KuaiRec 2.0/data' folder")
    ingest.add_argument("--truth", help="ground_truth.json of a simulated release (default: found beside the archive)")
    ingest.add_argument("--max-reject-share", type=_share, default=MAX_REJECT_SHARE,
                        help="largest share of a file's rows the contract may reject before ingest fails "
                             f"(default {MAX_REJECT_SHARE})")
    ingest.set_defaults(handler=_ingest)

    build = commands.add_parser("build", help="dbt build: staging, panel and marts (not the effect tables)")
    build.add_argument("--matrix", **matrix)
    _add_target_option(build)
    build.add_argument("--vars", help="extra dbt vars as JSON, e.g. '{\"long_tail_quantile\": 0.6}'")
    build.set_defaults(handler=_build)

    estimate = commands.add_parser("estimate", help="run the estimator stage and build the effect tables")
    estimate.add_argument("--study", choices=["all", "long_term", "mediation", "long_term_regime"], default="all")
    estimate.add_argument("--matrix", **matrix)
    estimate.add_argument("--seed", type=int, default=20200705)
    _add_target_option(estimate)
    _add_estimation_options(estimate)
    estimate.set_defaults(handler=_estimate)

    report = commands.add_parser("report",
                                 help="figures, tables, final_summary.md and report.html from the effect tables")
    report.add_argument("--out", help="report folder (default reports/latest)")
    _add_jobs_option(report, "the report (figures and table files)")
    report.set_defaults(handler=_report)

    run = commands.add_parser("run", help="the main job: data -> dbt build -> every study -> report")
    run.add_argument("--scale", choices=["tiny", "ci", "small", "full"], default="small",
                     help=SCALE_HELP + " (simulated data only)")
    run.add_argument("--seed", type=int, default=20200705)
    run.add_argument("--archive",
                     help="the real KuaiRec archive (or inner zip / data folder) instead of simulated data")
    run.add_argument("--matrix", **matrix)
    _add_target_option(run)
    run.add_argument("--fresh", action="store_true", help="recompute every stage, even if up to date")
    _add_estimation_options(run, "the simulator (its two worlds), the estimator stage and the report")
    run.set_defaults(handler=_run)

    docs = commands.add_parser("docs", help="dbt docs generate (lineage from sources to effect tables)")
    docs.add_argument("--matrix", **matrix)
    docs.set_defaults(handler=_docs)

    bench = commands.add_parser("bench", help="time every stage at a scale; writes bench/results and bench/RESULTS.md")
    bench.add_argument("--scale", choices=["tiny", "ci", "small", "full"], default="small")
    bench.add_argument("--seed", type=int, default=20200705)
    bench.add_argument("--repeats", type=_positive_int, default=3, help="runs of the cheap stages (median reported)")
    bench.add_argument("--n-boot", type=_positive_int, default=200)
    bench.add_argument("--stages", type=_bench_stages,
                       help="comma-separated subset of simulate,ingest,build,pandas_panel,duckdb_panel,"
                       "inflate,build_tiny,long_term,mediation,suites (both, as estimate runs them),report "
                       "(and doubleml_irm, the reference fit: pip install '.[bench]')")
    _add_jobs_option(bench, "the simulate stage (its two worlds), the estimator stages and the report")
    bench.set_defaults(handler=_bench)
    return parser


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def describe_os_error(error: OSError) -> str:
    """One line for a file-system failure: the path and the cause in words."""
    causes = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
              errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
              errno.EROFS: "read-only file system"}
    cause = (causes.get(error.errno) if error.errno is not None else None) or error.strerror or str(error)
    return f"{error.filename}: {cause}" if error.filename else cause


def _duckdb_message(error: Exception) -> str:
    text = " ".join(str(error).strip().split())
    if "No space left on device" in text:
        return f"no space left on device ({text})"
    return text


def _record_traceback(error: BaseException) -> str:
    """Write an unexpected error's traceback to a log file; returns its path for the one line."""
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(error))
    for folder in (Path.cwd() / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "kuairec-causal-error.log"
            path.write_text(text)
            return str(path)
        except OSError:
            continue
    return "(no writable folder for the traceback)"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = f"kuairec-causal {args.command}"
    quiet_resource_tracker()
    try:
        if getattr(args, "target", None):
            from kuairec_causal.warehouse import DBT_TARGET_ENV

            os.environ[DBT_TARGET_ENV] = args.target
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except (KeyboardInterrupt, Exception) as error:  # noqa: BLE001 - no traceback reaches the console
        message = describe_failure(error)
        if message is None:
            return _interrupted(command, standalone=argv is None)
        return _fail(command, message)


def describe_failure(error: BaseException) -> str | None:
    """The one line that reports ``error`` after the command's name: ``error: ...`` for bad input
    and for what the system or DuckDB refused, ``internal error: ...`` (with where its traceback
    was recorded) for a bug; None for an interrupt (Ctrl-C, in Python or inside DuckDB)."""
    if isinstance(error, KeyboardInterrupt):
        return None
    if isinstance(error, KuaiRecError):
        return f"error: {error}"
    if isinstance(error, OSError):
        return f"error: {describe_os_error(error)}"
    import duckdb

    if isinstance(error, duckdb.InterruptException):
        return None
    if isinstance(error, duckdb.Error):
        return f"error: duckdb: {_duckdb_message(error)}"
    return (f"internal error: {type(error).__name__}: {' '.join(str(error).split())[:300]} "
            f"(traceback: {_record_traceback(error)})")


RESOURCE_TRACKER_RULE = "ignore:resource_tracker:UserWarning"


def quiet_resource_tracker() -> None:
    """dbt's connection manager holds a multiprocessing lock, and an interrupted run leaves with
    ``os._exit`` (below), which skips the lock's finaliser: multiprocessing's resource tracker, a
    separate process that still frees the lock, would then print a "leaked semaphore" warning after
    our one line. The tracker reads PYTHONWARNINGS when it starts (at the first such lock), so the
    rule is set before any command runs; only that warning is silenced."""
    current = os.environ.get("PYTHONWARNINGS", "")
    if RESOURCE_TRACKER_RULE not in current.split(","):
        os.environ["PYTHONWARNINGS"] = f"{current},{RESOURCE_TRACKER_RULE}" if current else RESOURCE_TRACKER_RULE


def _interrupted(command: str, standalone: bool) -> int:
    """Ctrl-C: one line, exit 130. As a program, exit at once: an interrupt that lands while dbt is
    still importing or parsing leaves exit handlers that would end the process by SIGINT instead
    (exit status -2, seen in the tests); everything of ours is cleaned up by now."""
    code = _fail(command, "interrupted", 130)
    if standalone:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _fail(command: str, message: str, code: int = 2) -> int:
    try:  # one line, whatever the message holds
        print(f"{command}: {' '.join(message.split())}", file=sys.stderr, flush=True)
    except (OSError, KeyboardInterrupt):
        pass
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Write a complete synthetic KuaiRec 2.0 release with its planted truth.

``simulate_release`` writes, into a fresh directory (atomically: temporary name, then rename):

- ``KuaiRec_synthetic.zip``: the nested archive in the real layout;
- ``ground_truth.json``: true effects for both studies and both interaction matrices, the
  warehouse definitions (dbt vars) they assume, naive differences and diagnostics.

The two worlds (small and big matrix) share only the read-only catalogue and draw their random
numbers from streams named after the world, so with ``jobs`` >= 2 they run in processes of their
own, the big world's regime truth windows in further tasks (see :func:`_tasks`), and the CSVs are
deflated there too; the release is byte-identical whatever ``jobs`` is.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from kuairec_causal.atomic import replaced_directory
from kuairec_causal.parallel import parallel_calls
from kuairec_causal.progress import stage
from kuairec_causal.raw_schema import RAW_TABLES_BY_NAME
from kuairec_causal.simulate._kernels import count_duplicate_rows
from kuairec_causal.simulate.archive import (
    DeflatedFile,
    build_nested_archive,
    csv_connection,
    deflate_file,
    interaction_select,
    write_frame_csv,
)
from kuairec_causal.simulate.catalog import FIRST_DATE, Catalog, build_catalog
from kuairec_causal.simulate.dynamics import World, world_frame
from kuairec_causal.simulate.emit import add_quirks, world_rows
from kuairec_causal.simulate.params import CausalParams, Definitions, WorldConfig
from kuairec_causal.simulate.regime_truth import REGIME_WINDOWS, regime_truth, window_truths
from kuairec_causal.simulate.regime_truth import STUDY as REGIME_STUDY
from kuairec_causal.simulate.scales import Scale, get_scale
from kuairec_causal.simulate.truth import ObservedRun, compute_truth, run_observed

ARCHIVE_NAME = "KuaiRec_synthetic.zip"
TRUTH_NAME = "ground_truth.json"
PLANTED_NAME = "planted_user_day.parquet"  # the simulator's own user-day values, for checks
TRUTH_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Release:
    directory: Path

    @property
    def archive(self) -> Path:
        return self.directory / ARCHIVE_NAME

    @property
    def truth(self) -> Path:
        return self.directory / TRUTH_NAME

    @property
    def planted_panel(self) -> Path:
        return self.directory / PLANTED_NAME


def world_configs(scale: Scale) -> list[WorldConfig]:
    return [
        WorldConfig("small_matrix", scale.small_daily_interactions, activity_shift=0.8, rewatch_rate=0.0,
                    untimed_share=0.038, duplicate_row_share=0.0, hot_duplicate_rows=0,
                    date_mismatch_share=0.0, date_as_float=True),
        WorldConfig("big_matrix", scale.big_daily_interactions, activity_shift=-0.2, rewatch_rate=0.03,
                    untimed_share=0.0, duplicate_row_share=0.004, hot_duplicate_rows=2 if scale.name == "tiny" else 8,
                    date_mismatch_share=0.0005, date_as_float=False),
    ]


def _world(config: WorldConfig, scale: Scale, catalog: Catalog, params: CausalParams, definitions: Definitions,
           seed: int) -> World:
    if config.name == "small_matrix":
        users = np.arange(scale.n_small_users)
        videos = np.flatnonzero(catalog.videos["in_small_world"].to_numpy())
    else:
        users, videos = np.arange(scale.n_users), np.arange(scale.n_videos)
    return World(config, catalog, users, videos, params, definitions, seed, scale.n_days)


def _quirk_counts(frame: pd.DataFrame) -> dict[str, int]:
    keys = ["user_id", "video_id", "play", "duration", "local_ms", "has_time", "timestamp_shift_ms"]
    return {
        "rows": len(frame),
        "rows_without_time": int((~frame["has_time"]).sum()),
        "exact_duplicate_rows": int(count_duplicate_rows(frame[keys].to_numpy(dtype=np.int64))),
        "date_timestamp_mismatch_rows": int((frame["timestamp_shift_ms"] != 0).sum()),
        "zero_play_duration_rows": int((frame["play"] == 0).sum()),
        "watch_ratio_above_100_rows": int((frame["play"] > 100 * frame["duration"]).sum()),
    }


def _planted_frame(world: World, run, realised_play: np.ndarray) -> pd.DataFrame:
    """Active user-days as the simulator made them (what the warehouse must reproduce)."""
    frame = world_frame(run.results)
    frame["play_ms"] = realised_play.reshape(-1)
    frame = frame[frame["active"]].drop(columns=["active"])
    frame.insert(0, "interaction_matrix", world.config.name)
    frame.insert(1, "user_id", world.user_ids[frame.pop("user").to_numpy()])
    frame.insert(2, "event_date", FIRST_DATE + pd.to_timedelta(frame.pop("day"), unit="D"))
    return frame.reset_index(drop=True)


def _write_catalog_csvs(con, catalog: Catalog, scratch: Path) -> dict[str, Path]:
    files = {}
    users = catalog.users[[c for c in catalog.users.columns if not c.startswith("_")]]
    for table, frame in (
        ("user_features", users),
        ("item_daily_features", catalog.item_daily),
        ("kuairec_caption_category", catalog.captions),
        ("social_network", catalog.social),
        ("item_categories", catalog.videos[["video_id", "feat"]]),
    ):
        spec = RAW_TABLES_BY_NAME[table]
        path = scratch / spec.member
        write_frame_csv(con, frame, path, ", ".join(f'"{c}"' for c in spec.header))
        files[spec.member] = path
    return files


def _write_loose_csvs(con, catalog: Catalog, scratch: Path, catalog_files: dict[str, Path]) -> dict[str, Path]:
    """The three loose files of the outer archive (raw variants the warehouse does not read)."""
    loose = {"kuairec_caption_category.csv": catalog_files["kuairec_caption_category.csv"]}
    raw_users = catalog.users[["user_id", "user_active_degree", "follow_user_num", "fans_user_num", "register_days"]]
    write_frame_csv(con, raw_users, scratch / "user_features_raw.csv")
    raw_categories = catalog.captions[["video_id", "first_level_category_name", "second_level_category_name"]]
    write_frame_csv(con, raw_categories, scratch / "video_raw_categories_multi.csv")
    loose["user_features_raw.csv"] = scratch / "user_features_raw.csv"
    loose["video_raw_categories_multi.csv"] = scratch / "video_raw_categories_multi.csv"
    return loose


@dataclass
class _Output:
    """What a task made; the release merges every task's output."""

    data_files: dict[str, DeflatedFile] = field(default_factory=dict)  # inner-zip member -> its deflated CSV
    matrices: dict[str, dict] = field(default_factory=dict)  # world -> its "matrices" entry, regime truth apart
    regime_windows: dict[str, dict[str, dict]] = field(default_factory=dict)  # world -> window -> regime truth
    planted: dict[str, pd.DataFrame] = field(default_factory=dict)  # world -> its planted user-days


@dataclass(frozen=True)
class _WorldTask:
    """A world's work, or part of it; picklable, so that it can run in a worker process.

    Every task of a world makes the world and its observed run (deterministic, so the same in
    every process); ``emit`` writes the interaction CSV and computes the quirks, the planted panel
    and the truth of both studies; ``regime_windows`` are the windows of the regime truth done here.
    """

    config: WorldConfig
    scale: Scale
    catalog: Catalog
    params: CausalParams
    definitions: Definitions
    seed: int
    scratch: Path
    emit: bool = True
    regime_windows: tuple[int, ...] = REGIME_WINDOWS

    def run(self) -> _Output:
        output = _Output()
        observed = self._emit(output) if self.emit else None
        if self.regime_windows:
            split = "" if self.regime_windows == REGIME_WINDOWS else f" k={','.join(map(str, self.regime_windows))}"
            with stage(f"simulate {self.scale.name}: regime truth{split} for {self.config.name}"):
                world, run = observed or self._observed()
                output.regime_windows[self.config.name] = window_truths(world, run, self.regime_windows)
        return output

    def _observed(self) -> tuple[World, ObservedRun]:
        world = _world(self.config, self.scale, self.catalog, self.params, self.definitions, self.seed)
        return world, run_observed(world)

    def _emit(self, output: _Output) -> tuple[World, ObservedRun]:
        """The world's interaction CSV, quirks and planted panel, then the truth of both studies."""
        name = self.config.name
        with stage(f"simulate {self.scale.name}: {name}"):
            world, run = self._observed()
            output.data_files[f"{name}.csv"], quirks, realised_play = self._write_csv(world, run)
            output.planted[name] = _planted_frame(world, run, realised_play)
        with stage(f"simulate {self.scale.name}: truth for {name}"):
            truth = compute_truth(world, run, realised_play)
        output.matrices[name] = {"warehouse_vars": self.definitions.warehouse_vars(name), "users": world.n_users,
                                 "videos": len(world.video_ids), "quirks": quirks, **truth}
        return world, run

    def _write_csv(self, world: World, run: ObservedRun) -> tuple[DeflatedFile, dict[str, int], np.ndarray]:
        """The interaction CSV, deflated here rather than in the archive's serial step; its quirk
        counts; the realised play time per user-day."""
        timed, realised_play = world_rows(world, run.results)
        rows = add_quirks(world, timed, run.final_state.head_pointer)
        del timed
        path = self.scratch / f"{self.config.name}.csv"
        con = csv_connection()  # one per world: DuckDB connections do not cross processes
        write_frame_csv(con, rows, path, interaction_select(self.config.date_as_float))
        con.close()
        quirks = _quirk_counts(rows)
        del rows
        deflated = _deflate_beside(path)
        path.unlink()
        return deflated, quirks, realised_play


def _deflate_beside(path: Path) -> DeflatedFile:
    return deflate_file(path, path.with_name(path.name + ".deflate"))


@dataclass(frozen=True)
class _DeflateTask:
    """Deflate CSVs of the inner zip (the catalogue's, written by the parent)."""

    files: dict[str, Path]  # member -> CSV
    label: str

    def run(self) -> _Output:
        with stage(self.label):
            return _Output(data_files={member: _deflate_beside(path) for member, path in self.files.items()})


_Task = _WorldTask | _DeflateTask

# The world whose work is split over several tasks when there are several processes: the big
# world replays every user of the catalogue, so its truth and regime truth take longest.
SPLIT_WORLD = "big_matrix"


def _tasks(worlds: list[_WorldTask], deflate: _DeflateTask, jobs: int) -> list[_Task]:
    """The release's work as tasks, in the order free processes take them.

    One process: each world whole (made once), then the catalogue deflate. Several: the longest
    first. The big world's regime truth windows (about half its work) become tasks of their own,
    each recomputing the world's observed run (at small scale 1.3 s, against 8 to 11 s for a
    window), so that the process done first with a world takes a window rather than idling while
    the other finishes (in all, the two processes end within a second or two of each other).
    Every task runs the same code on the same inputs wherever it runs, and each window's sums are
    added in day order in one process as before: only the grouping depends on ``jobs``.
    """
    if jobs <= 1:
        return [*worlds, deflate]
    split = [world for world in worlds if world.config.name == SPLIT_WORLD]
    whole = [world for world in worlds if world.config.name != SPLIT_WORLD]
    windows = [replace(world, emit=False, regime_windows=(k,))
               for world in split for k in sorted(world.regime_windows, reverse=True)]
    return [*(replace(world, regime_windows=()) for world in split), *whole, *windows, deflate]


def _run_tasks(tasks: list[_Task], jobs: int, label: str) -> list[_Output]:
    """Every task, outputs in task order; with ``jobs`` >= 2 on that many processes at once."""
    jobs = min(jobs, len(tasks))
    if jobs <= 1:
        return [task.run() for task in tasks]
    with stage(f"{label} on {jobs} processes"):
        return parallel_calls([task.run for task in tasks], jobs)  # workers draw no bars


def _merge(outputs: list[_Output], worlds: list[_WorldTask]) -> tuple[dict[str, DeflatedFile], dict[str, dict],
                                                                        pd.DataFrame]:
    """The tasks' outputs as the release's data files, "matrices" entries and planted panel (in
    world order, whichever task made what)."""
    merged = _Output()
    for output in outputs:
        merged.data_files.update(output.data_files)
        merged.matrices.update(output.matrices)
        merged.planted.update(output.planted)
        for name, windows in output.regime_windows.items():
            merged.regime_windows.setdefault(name, {}).update(windows)
    matrices = {}
    for world in worlds:
        name = world.config.name
        windows = merged.regime_windows[name]
        matrices[name] = {**merged.matrices[name], REGIME_STUDY: regime_truth(
            world.definitions, {str(k): windows[str(k)] for k in world.regime_windows})}
    planted = pd.concat([merged.planted[world.config.name] for world in worlds], ignore_index=True)
    return merged.data_files, matrices, planted


def _world_catalog(catalog: Catalog) -> Catalog:
    """The catalogue as the worlds see it: they read only users and videos, so the large daily
    item table (and captions, social network) are not copied to every worker."""
    empty = pd.DataFrame()
    return replace(catalog, item_daily=empty, captions=empty, social=empty)


def simulate_release(scale_name: str, seed: int, out: Path, null_effects: bool = False, jobs: int = 1) -> Release:
    """Write the release into ``out``; ``jobs`` >= 2 simulates the worlds on that many processes
    (the output does not depend on it)."""
    scale = get_scale(scale_name)
    definitions = Definitions()
    params = CausalParams().as_null() if null_effects else CausalParams()
    out = Path(out).resolve()
    with replaced_directory(out) as staging:
        scratch = staging / "scratch"
        scratch.mkdir()
        con = csv_connection()
        with stage(f"simulate {scale.name}: catalogue"):
            catalog = build_catalog(scale, seed, definitions.long_tail_quantile)
            catalog_files = _write_catalog_csvs(con, catalog, scratch)
        worlds = [_WorldTask(config, scale, _world_catalog(catalog), params, definitions, seed, scratch)
                  for config in world_configs(scale)]
        deflate = _DeflateTask(catalog_files, f"simulate {scale.name}: deflate catalogue")
        outputs = _run_tasks(_tasks(worlds, deflate, jobs), jobs, f"simulate {scale.name}: {len(worlds)} worlds")
        data_files, matrices, planted_frame = _merge(outputs, worlds)
        del outputs
        with stage(f"simulate {scale.name}: archive"):
            loose = _write_loose_csvs(con, catalog, scratch, catalog_files)
            archive = staging / ARCHIVE_NAME
            build_nested_archive(data_files, loose, archive, scratch)
        con.register("planted", planted_frame)
        con.execute(f"COPY (SELECT * FROM planted) TO '{staging / PLANTED_NAME}' (FORMAT parquet)")
        con.close()
        shutil.rmtree(scratch)
        truth_document = {
            "format_version": TRUTH_FORMAT_VERSION,
            "generator": "kuairec-causal simulate",
            "scale": asdict(scale),
            "seed": seed,
            "null_effects": null_effects,
            "archive": {"file": ARCHIVE_NAME, "bytes": archive.stat().st_size},
            "definitions": asdict(definitions),
            "params": params.to_dict(),
            "expected_naive_bias": {
                "long_term": "positive: high-watch exposure is served more after high recent watch quality "
                "and volume, which also predict future activity",
                "mediation": "positive: discovery is served more early in the window, after high recent "
                "discovery and volume, while activity declines over the window",
            },
            "matrices": matrices,
        }
        (staging / TRUTH_NAME).write_text(json.dumps(truth_document, indent=2, sort_keys=True) + "\n")
    return Release(out)

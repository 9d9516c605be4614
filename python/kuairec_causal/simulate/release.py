"""Write a complete synthetic KuaiRec 2.0 release with its planted truth.

``simulate_release`` writes, into a fresh directory (atomically: temporary name, then rename):

- ``KuaiRec_synthetic.zip``: the nested archive in the real layout;
- ``ground_truth.json``: true effects for both studies and both interaction matrices, the
  warehouse definitions (dbt vars) they assume, naive differences and diagnostics.

The two worlds (small and big matrix) share only the read-only catalogue and draw their random
numbers from streams named after the world, so with ``jobs`` >= 2 they run in two processes at
once; the release is byte-identical whatever ``jobs`` is.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from kuairec_causal.atomic import replaced_directory
from kuairec_causal.progress import stage
from kuairec_causal.raw_schema import RAW_TABLES_BY_NAME
from kuairec_causal.simulate.archive import (
    build_nested_archive,
    csv_connection,
    interaction_select,
    write_frame_csv,
)
from kuairec_causal.simulate.catalog import FIRST_DATE, Catalog, build_catalog
from kuairec_causal.simulate.dynamics import World, world_frame
from kuairec_causal.simulate.emit import add_quirks, world_rows
from kuairec_causal.simulate.params import CausalParams, Definitions, WorldConfig
from kuairec_causal.simulate.regime_truth import STUDY as REGIME_STUDY
from kuairec_causal.simulate.regime_truth import compute_regime_truth
from kuairec_causal.simulate.scales import Scale, get_scale
from kuairec_causal.simulate.truth import compute_truth, run_observed

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
        "exact_duplicate_rows": int(frame.duplicated(keys).sum()),
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


def _write_loose_csvs(con, catalog: Catalog, scratch: Path, data_files: dict[str, Path]) -> dict[str, Path]:
    """The three loose files of the outer archive (raw variants the warehouse does not read)."""
    loose = {"kuairec_caption_category.csv": data_files["kuairec_caption_category.csv"]}
    raw_users = catalog.users[["user_id", "user_active_degree", "follow_user_num", "fans_user_num", "register_days"]]
    write_frame_csv(con, raw_users, scratch / "user_features_raw.csv")
    raw_categories = catalog.captions[["video_id", "first_level_category_name", "second_level_category_name"]]
    write_frame_csv(con, raw_categories, scratch / "video_raw_categories_multi.csv")
    loose["user_features_raw.csv"] = scratch / "user_features_raw.csv"
    loose["video_raw_categories_multi.csv"] = scratch / "video_raw_categories_multi.csv"
    return loose


@dataclass(frozen=True)
class _WorldTask:
    """What one world needs; picklable, so that it can run in a worker process."""

    config: WorldConfig
    scale: Scale
    catalog: Catalog
    params: CausalParams
    definitions: Definitions
    seed: int
    scratch: Path


@dataclass(frozen=True)
class _WorldOutput:
    csv: Path  # the interaction matrix, written to the scratch folder
    matrix: dict  # this world's entry of ground_truth.json's "matrices"
    planted: pd.DataFrame


def _simulate_world(task: _WorldTask) -> _WorldOutput:
    """Simulate one world, write its interaction CSV and compute its truth."""
    config, scale, definitions = task.config, task.scale, task.definitions
    with stage(f"simulate {scale.name}: {config.name}"):
        world = _world(config, scale, task.catalog, task.params, definitions, task.seed)
        run = run_observed(world)
        timed, realised_play = world_rows(world, run.results)
        rows = add_quirks(world, timed, run.final_state.head_pointer)
        del timed
        path = task.scratch / f"{config.name}.csv"
        con = csv_connection()  # one per world: DuckDB connections do not cross processes
        write_frame_csv(con, rows, path, interaction_select(config.date_as_float))
        con.close()
        quirks = _quirk_counts(rows)
        del rows
        planted = _planted_frame(world, run, realised_play)
    with stage(f"simulate {scale.name}: truth for {config.name}"):
        truth = compute_truth(world, run, realised_play)
    with stage(f"simulate {scale.name}: regime truth for {config.name}"):
        truth[REGIME_STUDY] = compute_regime_truth(world, run)
    matrix = {"warehouse_vars": definitions.warehouse_vars(config.name), "users": world.n_users,
              "videos": len(world.video_ids), "quirks": quirks, **truth}
    return _WorldOutput(path, matrix, planted)


def _simulate_worlds(tasks: list[_WorldTask], jobs: int) -> list[_WorldOutput]:
    """Every world, in task order; with ``jobs`` >= 2 on that many processes at once."""
    jobs = min(jobs, len(tasks))
    if jobs <= 1:
        return [_simulate_world(task) for task in tasks]
    # Imported here: the estimators package is slow to import and only the parent needs it.
    from kuairec_causal.parallel import parallel_map

    with stage(f"simulate {tasks[0].scale.name}: {len(tasks)} worlds on {jobs} processes"):
        return parallel_map(_simulate_world, tasks, jobs, desc=None)  # workers draw no bars


def _world_catalog(catalog: Catalog) -> Catalog:
    """The catalogue as the worlds see it: they read only users and videos, so the large daily
    item table (and captions, social network) are not copied to every worker."""
    empty = pd.DataFrame()
    return replace(catalog, item_daily=empty, captions=empty, social=empty)


def simulate_release(scale_name: str, seed: int, out: Path, null_effects: bool = False, jobs: int = 1) -> Release:
    """Write the release into ``out``; ``jobs`` >= 2 simulates the two worlds in parallel (the
    output does not depend on it)."""
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
            data_files = _write_catalog_csvs(con, catalog, scratch)
        tasks = [_WorldTask(config, scale, _world_catalog(catalog), params, definitions, seed, scratch)
                 for config in world_configs(scale)]
        outputs = _simulate_worlds(tasks, jobs)
        data_files.update({output.csv.name: output.csv for output in outputs})
        matrices = {task.config.name: output.matrix for task, output in zip(tasks, outputs)}
        with stage(f"simulate {scale.name}: archive"):
            loose = _write_loose_csvs(con, catalog, scratch, data_files)
            archive = staging / ARCHIVE_NAME
            build_nested_archive(data_files, loose, archive, scratch)
        planted_frame = pd.concat([output.planted for output in outputs], ignore_index=True)
        del outputs
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

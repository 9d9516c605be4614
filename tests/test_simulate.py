"""The simulator: layout and quirks of the release, determinism, and the planted truth."""

from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from kuairec_causal.raw_schema import DATA_PREFIX, RAW_TABLES
from kuairec_causal.simulate.release import simulate_release

INTERACTION_HEADER = "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio"


def _inner(release) -> zipfile.ZipFile:
    outer = zipfile.ZipFile(release.archive)
    return zipfile.ZipFile(io.BytesIO(outer.read("KuaiRec.zip")))


def _csv(release, member: str, **kwargs) -> pd.DataFrame:
    with _inner(release).open(DATA_PREFIX + member) as handle:
        return pd.read_csv(handle, **kwargs)  # pandas >= 2 parses floats exactly (round trip)


@pytest.fixture(scope="module")
def truth(tiny_release) -> dict:
    return json.loads(tiny_release.truth.read_text())


@pytest.fixture(scope="module")
def null_truth(tiny_null_release) -> dict:
    return json.loads(tiny_null_release.truth.read_text())


def test_archive_has_the_real_nested_layout(tiny_release):
    outer = zipfile.ZipFile(tiny_release.archive)
    names = {info.filename: info for info in outer.infolist()}
    assert set(names) == {"KuaiRec.zip", "kuairec_caption_category.csv", "user_features_raw.csv",
                          "video_raw_categories_multi.csv"}
    assert names["KuaiRec.zip"].compress_type == zipfile.ZIP_STORED
    inner_names = set(_inner(tiny_release).namelist())
    assert {DATA_PREFIX + table.member for table in RAW_TABLES} <= inner_names
    for member in ("small_matrix.csv", "big_matrix.csv"):
        with _inner(tiny_release).open(DATA_PREFIX + member) as handle:
            assert handle.readline().decode().strip() == INTERACTION_HEADER
    users = _csv(tiny_release, "user_features.csv")
    assert len(users.columns) == 31 and list(users.columns[-18:]) == [f"onehot_feat{i}" for i in range(18)]
    daily = _csv(tiny_release, "item_daily_features.csv")
    assert len(daily.columns) == 58


def test_same_seed_gives_identical_bytes(tiny_release, tiny_seed, tmp_path):
    again = simulate_release("tiny", tiny_seed, tmp_path / "again")
    assert again.archive.read_bytes() == tiny_release.archive.read_bytes()
    assert again.truth.read_bytes() == tiny_release.truth.read_bytes()
    other = simulate_release("tiny", tiny_seed + 1, tmp_path / "other")
    assert other.archive.read_bytes() != tiny_release.archive.read_bytes()


def test_worlds_on_two_processes_give_identical_bytes(tiny_release, tiny_seed, tmp_path):
    """Plumbing/determinism check: with jobs=2 the two worlds run in two worker processes; the
    release (archive, truth, planted panel) must equal, byte for byte, the one-process release."""
    parallel = simulate_release("tiny", tiny_seed, tmp_path / "parallel", jobs=2)
    assert parallel.archive.read_bytes() == tiny_release.archive.read_bytes()
    assert parallel.truth.read_bytes() == tiny_release.truth.read_bytes()
    assert parallel.planted_panel.read_bytes() == tiny_release.planted_panel.read_bytes()


def test_simulate_command_passes_jobs_on(monkeypatch, tmp_path):
    """Plumbing: ``simulate --jobs N`` reaches simulate_release (default: the cores available)."""
    import kuairec_causal.simulate.release as release_module
    from kuairec_causal.cli import main
    from kuairec_causal.estimators import available_cores

    calls = []

    def record(*args, **kwargs):
        calls.append(kwargs)
        return release_module.Release(tmp_path)

    monkeypatch.setattr(release_module, "simulate_release", record)
    assert main(["simulate", "--scale", "tiny", "--out", str(tmp_path / "r"), "--jobs", "2"]) == 0
    assert main(["simulate", "--scale", "tiny", "--out", str(tmp_path / "r")]) == 0
    assert [call["jobs"] for call in calls] == [2, available_cores()]


def test_deflated_members_are_the_bytes_zipfile_writes(tmp_path, monkeypatch):
    """The data files are deflated apart from the archive (in the world processes) and copied into
    it; the archive must be byte for byte what zipfile writes when it deflates them itself."""
    from kuairec_causal.simulate import archive as archive_module

    monkeypatch.setattr(archive_module, "CHUNK", 4096)  # several chunks per file
    source = tmp_path / "data.csv"
    values = np.random.default_rng(0).random(5000)
    source.write_text("".join(f"{i},{value:.6f}\n" for i, value in enumerate(values)))
    deflated = archive_module.deflate_file(source, tmp_path / "data.csv.deflate")
    archives = []
    for add_data_file in (
        lambda archive, name: archive_module._add_file(archive, name, source, zipfile.ZIP_DEFLATED),
        lambda archive, name: archive_module._add_deflated(archive, name, deflated),
    ):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:  # members before, between and after
            archive.writestr(archive_module._zip_info("data/", zipfile.ZIP_STORED), b"")
            add_data_file(archive, "data/a.csv")
            add_data_file(archive, "data/b.csv")
            archive_module._add_file(archive, "c.csv", source, zipfile.ZIP_STORED)
        archives.append(buffer.getvalue())
    assert archives[1] == archives[0]
    assert zipfile.ZipFile(io.BytesIO(archives[1])).read("data/b.csv") == source.read_bytes()


def test_small_matrix_quirks(tiny_release):
    with _inner(tiny_release).open(DATA_PREFIX + "small_matrix.csv") as handle:
        lines = handle.read().decode().splitlines()
    assert re.search(r",20200705\.0,", lines[2] + lines[3] + lines[4]), "small_matrix writes date as a float"
    frame = _csv(tiny_release, "small_matrix.csv")
    no_time = frame["time"].isna()
    assert 0.02 < no_time.mean() < 0.06
    assert (frame.loc[no_time, ["date", "timestamp"]].isna().all(axis=1)).all()
    assert (frame["play_duration"] == 0).any()
    assert (frame["watch_ratio"] > 1).mean() > 0.1 and frame["watch_ratio"].max() > 50
    assert np.allclose(frame["watch_ratio"], frame["play_duration"] / frame["video_duration"], rtol=0, atol=1e-15)
    # dense: nearly every user sees nearly every video of the small catalogue
    pairs = frame.groupby("user_id")["video_id"].nunique() / frame["video_id"].nunique()
    assert pairs.median() > 0.9
    # some users skip days between their first and last active day
    days = frame.dropna(subset=["date"]).groupby("user_id")["date"].agg(["nunique", "min", "max"])
    first, last = (pd.to_datetime(days[bound].astype(int).astype(str)) for bound in ("min", "max"))
    span = (last - first).dt.days + 1
    assert (days["nunique"] < span).any()


def test_big_matrix_quirks(tiny_release):
    frame = _csv(tiny_release, "big_matrix.csv")
    duplicated = frame.duplicated(keep=False)
    assert duplicated.any()
    assert frame[duplicated].value_counts().max() >= 10, "some rows repeat many times"
    assert frame.duplicated(subset=["user_id", "video_id"]).sum() > duplicated.sum(), "re-watches of the same video"
    timed = frame.dropna(subset=["timestamp"])
    local_date = pd.to_datetime(timed["timestamp"] + 8 * 3600, unit="s").dt.strftime("%Y%m%d").astype(int)
    assert 0 < (local_date != timed["date"]).sum() < 0.01 * len(timed)
    assert frame["time"].str.slice(0, 10).str.replace("-", "").astype(int).equals(frame["date"])
    small = _csv(tiny_release, "small_matrix.csv")

    def density(f: pd.DataFrame) -> float:
        return f.drop_duplicates(["user_id", "video_id"]).shape[0] / (f["user_id"].nunique() * f["video_id"].nunique())

    assert density(frame) < density(small)


def test_catalogue_quirks(tiny_release):
    daily = _csv(tiny_release, "item_daily_features.csv")
    assert 0.1 < daily["collect_cnt"].isna().mean() < 0.35
    assert daily["show_cnt"].notna().all()
    assert (daily["video_type"] == "AD").groupby(daily["video_id"]).any().sum() >= 3
    users = _csv(tiny_release, "user_features.csv")
    assert "UNKNOWN" in set(users["user_active_degree"])
    assert users.filter(like="onehot_feat").isna().any().any()
    assert users["follow_user_num_range"].isin(["0", "(0,10]", "(10,50]", "(50,100]", "(100,150]", "(150,250]",
                                                "(250,500]", "500+"]).all()
    categories = _csv(tiny_release, "item_categories.csv")
    assert categories["feat"].str.fullmatch(r"\[\d+(, \d+)*\]").all()
    with _inner(tiny_release).open(DATA_PREFIX + "kuairec_caption_category.csv") as handle:
        physical_lines = handle.read().decode().count("\n")
    captions = _csv(tiny_release, "kuairec_caption_category.csv")
    assert physical_lines > len(captions) + 1, "captions contain line breaks inside quoted fields"


def test_truth_decomposes_and_interventions_hold(truth):
    for matrix, block in truth["matrices"].items():
        assert block["warehouse_vars"]["interaction_matrix"] == matrix
        assert block["long_term"]["intervention_violations"] == 0
        assert block["mediation"]["intervention_violations"] == 0
        # TE = NDE + NIE holds by construction (three differences of world means), so check what can
        # break instead: the mediator-held world is neither of the other two (a copy of the treated
        # world would make NIE exactly 0, of the control world NDE), and the planted paths keep their
        # signs for every outcome -- discovery lowers satisfaction, which lowers engagement.
        assert block["mediation"]["estimates"]["satisfaction_depth_score"]["mediator_shift"] < 0
        for outcome in ("interactions", "active_days", "play_hours"):
            effects = block["mediation"]["estimates"][outcome]
            assert effects["NIE"] < 0 < effects["NDE"], outcome
        values = block["mediation"]["mediator_values"]
        assert values["CDE_low"] < values["CDE_high"]


def test_planted_effects_are_modest_and_naive_differences_biased_upwards(truth):
    for block in truth["matrices"].values():
        long_term = block["long_term"]["estimates"]["interactions"]
        mediation = block["mediation"]["estimates"]["interactions"]
        assert long_term["ATE"] > 0 and mediation["TE"] > 0 and mediation["NIE"] < 0 < mediation["NDE"]
        # the design serves both treatments to users whose history predicts more future activity
        assert long_term["naive_difference"] > 1.5 * long_term["ATE"] + 5
        assert mediation["naive_difference"] > 1.5 * mediation["TE"] + 5


def test_null_world_has_zero_engagement_effects(null_truth, truth):
    for block in null_truth["matrices"].values():
        for outcome in ("interactions", "active_days"):
            assert block["long_term"]["estimates"][outcome]["ATE"] == 0
            assert block["long_term"]["estimates"][outcome]["ATT"] == 0
            for estimand in ("TE", "NDE", "NIE", "CDE_low", "CDE_high"):
                assert block["mediation"]["estimates"][outcome][estimand] == 0
        # the same confounding: naive differences remain
        assert block["long_term"]["estimates"]["interactions"]["naive_difference"] > 5
        assert block["mediation"]["estimates"]["interactions"]["naive_difference"] > 5

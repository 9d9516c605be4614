"""Ingest: every accepted packaging, exact round trip, and one-line errors on bad input that
leave the previous raw tables untouched."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kuairec_causal.cli import main
from kuairec_causal.errors import InputError
from kuairec_causal.ingest import ingest_release
from kuairec_causal.raw_schema import DATA_PREFIX, RAW_TABLES


def _inner_bytes(release) -> bytes:
    return zipfile.ZipFile(release.archive).read("KuaiRec.zip")


@pytest.fixture(scope="module")
def data_folder(tiny_release, tmp_path_factory) -> Path:
    """The release's data files extracted as 'KuaiRec 2.0/data/'."""
    root = tmp_path_factory.mktemp("extracted")
    zipfile.ZipFile(io.BytesIO(_inner_bytes(tiny_release))).extractall(root)
    return root / "KuaiRec 2.0" / "data"


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _table(raw_dir: Path, name: str) -> pd.DataFrame:
    return duckdb.sql(f"SELECT * FROM read_parquet('{raw_dir / name}.parquet')").df()


def test_round_trip_keeps_every_row_and_value(tiny_release, tiny_raw, data_folder):
    for table in RAW_TABLES:
        csv = pd.read_csv(data_folder / table.member, dtype=str, keep_default_na=False)
        parquet = _table(tiny_raw, table.name)
        assert list(parquet.columns) == list(table.header)
        assert len(parquet) == len(csv), table.name
        for column, sql_type in table.columns:
            text = csv[column]
            stored = parquet[column]
            empty = text == ""
            assert (stored.isna() == empty).all(), f"{table.name}.{column}: missing values differ"
            if sql_type in {"BIGINT", "INTEGER"}:
                expected = text[~empty].astype(float).astype("int64").to_numpy()
            elif sql_type == "DOUBLE":
                expected = text[~empty].astype(float).to_numpy()
            else:
                expected = text[~empty].to_numpy()
            assert (stored[~empty].to_numpy() == expected).all(), f"{table.name}.{column}: values differ"


def test_types_are_explicit(tiny_raw):
    parquet = f"read_parquet('{tiny_raw}/small_matrix.parquet')"
    schema = dict(duckdb.sql(f"DESCRIBE SELECT * FROM {parquet}").fetchall()[i][:2] for i in range(8))
    assert schema == {"user_id": "BIGINT", "video_id": "BIGINT", "play_duration": "BIGINT", "video_duration": "BIGINT",
                      "time": "VARCHAR", "date": "INTEGER", "timestamp": "DOUBLE", "watch_ratio": "DOUBLE"}
    assert duckdb.sql(f"SELECT min(date), max(date) FROM {parquet}").fetchall() == [(20200705, 20200905)]


def test_truth_travels_with_a_simulated_release(tiny_raw):
    truth = _table(tiny_raw, "ground_truth")
    assert set(truth["interaction_matrix"]) == {"small_matrix", "big_matrix"}
    assert {"ATE", "TE", "NDE", "NIE", "CDE_low", "CDE_high", "naive_difference"} <= set(truth["estimand"])


@pytest.mark.parametrize("packaging", ["inner archive", "folder"])
def test_every_packaging_gives_the_same_tables(packaging, tiny_release, tiny_raw, data_folder, tmp_path):
    if packaging == "inner archive":
        source = tmp_path / "KuaiRec.zip"
        source.write_bytes(_inner_bytes(tiny_release))
    else:
        source = data_folder
    raw_dir = tmp_path / "raw"
    manifest = ingest_release(source, raw_dir)
    assert manifest["kind"] == packaging
    for table in RAW_TABLES:
        assert _table(raw_dir, table.name).equals(_table(tiny_raw, table.name)), table.name


@pytest.fixture
def populated_raw(tiny_raw, tmp_path) -> Path:
    raw_dir = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw_dir)
    return raw_dir


def _broken_folder(data_folder: Path, tmp_path: Path, member: str, edit) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(data_folder, folder)
    path = folder / member
    path.write_text(edit(path.read_text()))
    return folder


def _expect_error(source: Path, raw_dir: Path, pattern: str, capsys) -> None:
    before = _fingerprint(raw_dir)
    with pytest.raises(InputError, match=pattern):
        ingest_release(source, raw_dir)
    assert _fingerprint(raw_dir) == before, "raw tables changed after a failed ingest"
    assert not list(raw_dir.parent.glob(f".{raw_dir.name}.building-*")), "staging left behind"
    # the command line: one line on stderr, non-zero exit
    import os

    os.environ["KUAIREC_RAW_DIR"] = str(raw_dir)
    try:
        assert main(["ingest", str(source)]) == 2
    finally:
        del os.environ["KUAIREC_RAW_DIR"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len([line for line in err if "error:" in line]) == 1 and "error:" in err[-1]


def test_missing_path(populated_raw, tmp_path, capsys):
    _expect_error(tmp_path / "nowhere.zip", populated_raw, "path does not exist", capsys)


def test_zip_without_kuairec_members(populated_raw, tmp_path, capsys):
    source = tmp_path / "other.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("notes.txt", "nothing here")
    _expect_error(source, populated_raw, "holds neither KuaiRec.zip nor", capsys)


def test_truncated_archive(tiny_release, populated_raw, tmp_path, capsys):
    source = tmp_path / "truncated.zip"
    data = tiny_release.archive.read_bytes()
    source.write_bytes(data[: len(data) // 2])
    _expect_error(source, populated_raw, "corrupt or truncated", capsys)


def test_corrupt_member(tiny_release, populated_raw, tmp_path, capsys):
    inner = zipfile.ZipFile(io.BytesIO(_inner_bytes(tiny_release)))
    info = inner.getinfo(DATA_PREFIX + "small_matrix.csv")
    data = bytearray(_inner_bytes(tiny_release))
    middle = info.header_offset + 200 + info.compress_size // 2
    data[middle: middle + 64] = bytes(64)
    source = tmp_path / "KuaiRec.zip"
    source.write_bytes(bytes(data))
    _expect_error(source, populated_raw, "small_matrix.csv.*corrupt or truncated", capsys)


def test_renamed_header_column(data_folder, populated_raw, tmp_path, capsys):
    source = _broken_folder(data_folder, tmp_path, "user_features.csv",
                            lambda t: t.replace("register_days,", "register_day,", 1))
    _expect_error(source, populated_raw, r"user_features.csv: header lacks column\(s\) register_days; "
                  r"found unexpected column\(s\) register_day", capsys)


def test_text_in_numeric_column(data_folder, populated_raw, tmp_path, capsys):
    def edit(text: str) -> str:
        lines = text.split("\n")
        fields = lines[5].split(",")
        fields[2] = "abc"
        lines[5] = ",".join(fields)
        return "\n".join(lines)

    source = _broken_folder(data_folder, tmp_path, "small_matrix.csv", edit)
    _expect_error(source, populated_raw,
                  r"small_matrix.csv: column 'play_duration' has non-numeric value 'abc' on line 6", capsys)


def test_empty_file(data_folder, populated_raw, tmp_path, capsys):
    source = _broken_folder(data_folder, tmp_path, "social_network.csv", lambda t: "")
    _expect_error(source, populated_raw, "social_network.csv: file is empty", capsys)

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
from kuairec_causal.raw_schema import DATA_PREFIX, RAW_TABLES, RAW_TABLES_BY_NAME


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


def _corrupt_small_matrix(release, folder: Path) -> Path:
    """The release's inner archive with 64 zeroed bytes in the middle of small_matrix.csv's data."""
    inner = zipfile.ZipFile(io.BytesIO(_inner_bytes(release)))
    info = inner.getinfo(DATA_PREFIX + "small_matrix.csv")
    data = bytearray(_inner_bytes(release))
    middle = info.header_offset + 200 + info.compress_size // 2
    data[middle: middle + 64] = bytes(64)
    source = folder / "KuaiRec.zip"
    source.write_bytes(bytes(data))
    return source


def test_corrupt_member(tiny_release, populated_raw, tmp_path, capsys):
    source = _corrupt_small_matrix(tiny_release, tmp_path)
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


# -- the data contract ---------------------------------------------------------------------------

FIELD = {name: i for i, name in enumerate(RAW_TABLES_BY_NAME["small_matrix"].header)}


def _edit_timed_rows(member: str, count: int, edit) -> callable:
    """An editor that applies ``edit(fields)`` to the first ``count`` data rows that have a date."""
    def apply(text: str) -> str:
        lines = text.split("\n")
        done = 0
        for i in range(1, len(lines)):
            fields = lines[i].split(",")
            if len(fields) == len(FIELD) and fields[FIELD["date"]] and done < count:
                edit(fields)
                lines[i] = ",".join(fields)
                done += 1
        assert done == count
        return "\n".join(lines)
    return apply


def _first_timed_line(data_folder: Path, member: str) -> int:
    for number, line in enumerate((data_folder / member).read_text().split("\n")[1:], start=2):
        if line.split(",")[FIELD["date"]]:
            return number
    raise AssertionError("no timed row")


def _set(column: str, value: str):
    def edit(fields: list[str]) -> None:
        fields[FIELD[column]] = value
    return edit


def test_date_outside_the_release_window_stops_ingest(data_folder, populated_raw, tmp_path, capsys):
    """The issue's case: a few rows dated 2019 would stretch the panel; ingest names file, line,
    column, value and count instead."""
    line = _first_timed_line(data_folder, "big_matrix.csv")
    source = _broken_folder(data_folder, tmp_path, "big_matrix.csv",
                            _edit_timed_rows("big_matrix.csv", 7, _set("date", "20190705")))
    _expect_error(source, populated_raw, rf"big_matrix.csv line {line}: column 'date' = 20190705 must lie in the "
                                         r"release window 2020-07-05 \.\. 2020-09-05 \(7 rows\)", capsys)


def test_negative_duration_stops_ingest(data_folder, populated_raw, tmp_path, capsys):
    line = _first_timed_line(data_folder, "small_matrix.csv")
    source = _broken_folder(data_folder, tmp_path, "small_matrix.csv",
                            _edit_timed_rows("small_matrix.csv", 1, _set("video_duration", "-5")))
    _expect_error(source, populated_raw, rf"small_matrix.csv line {line}: column 'video_duration' = -5 "
                                         r"must be >= 0 \(1 row\)", capsys)


def test_timestamp_days_away_from_date_stops_ingest(data_folder, populated_raw, tmp_path, capsys):
    def shift(fields: list[str]) -> None:
        fields[FIELD["timestamp"]] = str(float(fields[FIELD["timestamp"]]) + 3 * 86400)
    source = _broken_folder(data_folder, tmp_path, "big_matrix.csv", _edit_timed_rows("big_matrix.csv", 2, shift))
    _expect_error(source, populated_raw, r"big_matrix.csv line \d+: column 'timestamp' = .* must agree "
                                         r"with column 'date' within 1 day .*\(2 rows\)", capsys)


def test_unknown_video_stops_ingest(data_folder, populated_raw, tmp_path, capsys):
    source = _broken_folder(data_folder, tmp_path, "small_matrix.csv",
                            _edit_timed_rows("small_matrix.csv", 3, _set("video_id", "99999999")))
    _expect_error(source, populated_raw, r"small_matrix.csv line \d+: column 'video_id' = 99999999 is not a video_id "
                                         r"of item_categories.csv \(3 rows\)", capsys)


def test_repeated_user_stops_ingest(data_folder, populated_raw, tmp_path, capsys):
    def repeat(text: str) -> str:
        lines = text.split("\n")
        return "\n".join([*lines[:3], lines[2], *lines[3:]])
    source = _broken_folder(data_folder, tmp_path, "user_features.csv", repeat)
    _expect_error(source, populated_raw, r"user_features.csv line \d+: column 'user_id' = 1 must identify one row "
                                         r"\(repeated\) \(2 rows\)", capsys)


def test_ragged_row_stops_ingest(data_folder, populated_raw, tmp_path, capsys):
    def extra_field(text: str) -> str:
        lines = text.split("\n")
        lines[9] += ",17"
        return "\n".join(lines)
    source = _broken_folder(data_folder, tmp_path, "small_matrix.csv", extra_field)
    _expect_error(source, populated_raw, r"small_matrix.csv line 10: has 9 fields, the header has 8 "
                                         r"\(1 row with a wrong field count\)", capsys)


def test_truth_file_without_its_sections_is_one_line(tiny_release, populated_raw, tmp_path, capsys):
    import json

    document = json.loads(tiny_release.truth.read_text())
    for block in document["matrices"].values():
        del block["mediation"]
    truth = tmp_path / "ground_truth.json"
    truth.write_text(json.dumps(document))
    before = _fingerprint(populated_raw)
    with pytest.raises(InputError, match=r"ground_truth.json: .*'mediation'"):
        ingest_release(tiny_release.archive, populated_raw, truth=truth)
    assert _fingerprint(populated_raw) == before


def test_a_few_malformed_dates_are_rejected_and_counted(data_folder, tmp_path):
    """A `date` that is no calendar day parses to NaT in the notebooks and the row leaves the
    user-day table: here it goes to the rejects table, with its line and reason, and is counted."""
    line = _first_timed_line(data_folder, "small_matrix.csv")
    source = _broken_folder(data_folder, tmp_path, "small_matrix.csv",
                            _edit_timed_rows("small_matrix.csv", 2, _set("date", "20200231")))
    total = len((data_folder / "small_matrix.csv").read_text().strip().split("\n")) - 1
    manifest = ingest_release(source, tmp_path / "raw", max_reject_share=0.01)
    reason = "date: must be a calendar day written YYYYMMDD"
    assert manifest["rejects"] == {"small_matrix": {reason: 2}}
    assert manifest["rows"]["small_matrix"] == total - 2 == len(_table(tmp_path / "raw", "small_matrix"))
    rejects = _table(tmp_path / "raw", "ingest_rejects")
    assert (rejects[["table_name", "column_name", "value", "reason"]].values.tolist()
            == [["small_matrix", "date", "20200231", reason]] * 2)
    assert rejects["line"].iloc[0] == line
    assert not (_table(tmp_path / "raw", "small_matrix")["date"] == 20200231).any()


def test_rejects_above_the_threshold_stop_ingest(data_folder, populated_raw, tmp_path, capsys):
    source = _broken_folder(data_folder, tmp_path, "small_matrix.csv",
                            _edit_timed_rows("small_matrix.csv", 40, _set("date", "20200231")))
    _expect_error(source, populated_raw, r"small_matrix.csv line \d+: column 'date' = 20200231 must be a calendar day "
                                         r"written YYYYMMDD \(40 rows\): 0\.\d+% of the file's rows would be rejected, "
                                         r"above the threshold 0\.10%", capsys)


def test_the_simulated_quirks_pass_the_contract(tiny_raw):
    """Plumbing check: the release with every known quirk of the real archive (untimed rows,
    duplicates, date/timestamp disagreements, huge and zero watch ratios, missing counts) passes
    the contract with nothing rejected."""
    import json

    manifest = json.loads((tiny_raw / "_ingest_manifest.json").read_text())
    assert manifest["rejects"] == {} and manifest["rows"]["ingest_rejects"] == 0
    assert manifest["release_window"] == {"first_date": "2020-07-05", "last_date": "2020-09-05"}


def test_inflate_seconds_times_every_member_ingest_reads(tiny_release, data_folder):
    """Plumbing for the benchmark's floor: one timing per data member of the archive (the members
    ingest converts), none for an extracted folder (nothing to inflate)."""
    from kuairec_causal.ingest import inflate_seconds

    members = {info.filename.removeprefix(DATA_PREFIX)
               for info in zipfile.ZipFile(io.BytesIO(_inner_bytes(tiny_release))).infolist()}
    timed = inflate_seconds(tiny_release.archive)
    assert set(timed) == {table.member for table in RAW_TABLES if table.member in members}
    assert all(seconds >= 0 for seconds in timed.values())
    assert inflate_seconds(data_folder) == {}


def test_inflate_seconds_reports_a_corrupt_member(tiny_release, tmp_path):
    from kuairec_causal.ingest import inflate_seconds

    with pytest.raises(InputError, match="small_matrix.csv.*corrupt or truncated"):
        inflate_seconds(_corrupt_small_matrix(tiny_release, tmp_path))

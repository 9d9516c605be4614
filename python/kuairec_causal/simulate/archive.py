"""Write CSVs and the nested KuaiRec 2.0 archive, byte-for-byte reproducibly.

Layout (as distributed): an outer zip holding ``KuaiRec.zip`` stored uncompressed plus three loose
CSVs; the data files live under ``KuaiRec 2.0/data/`` inside the inner, deflated zip.

Deflating the data files is most of the archive's work, so it is done apart from the archive:
:func:`deflate_file` (in the worker process that wrote the CSV) makes the member's deflate stream,
and :func:`build_nested_archive` copies the streams into the inner zip. The archive's bytes are
those ``ZipFile.open(info, "w", force_zip64=True)`` writes for the same CSVs (same compressor and
level, fed the same chunks).
"""

from __future__ import annotations

import shutil
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from kuairec_causal.raw_schema import DATA_PREFIX

ZIP_DATE = (2021, 2, 10, 0, 0, 0)  # fixed timestamps: same seed, same bytes
CHUNK = 4 << 20
# Level 1: fast; the real archive's compression ratio is not a goal.
DEFLATE_LEVEL = 1


def csv_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": 2, "preserve_insertion_order": True})
    return con


def write_frame_csv(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, path: Path, select: str = "*") -> None:
    """Write ``frame`` (in row order) as a CSV with a header; NULL becomes an empty field."""
    con.register("frame_to_write", frame)
    try:
        con.execute(f"COPY (SELECT {select} FROM frame_to_write) TO '{path}' (HEADER, DELIMITER ',')")
    finally:
        con.unregister("frame_to_write")


def interaction_select(date_as_float: bool) -> str:
    """SELECT list that renders simulated plays in the small/big_matrix.csv layout."""
    date_type = "DOUBLE" if date_as_float else "INTEGER"
    return f"""
        user_id, video_id, play AS play_duration, duration AS video_duration,
        CASE WHEN has_time THEN strftime(epoch_ms(local_ms), '%Y-%m-%d %H:%M:%S.%g') END AS time,
        CASE WHEN has_time THEN CAST(strftime(epoch_ms(local_ms), '%Y%m%d') AS {date_type}) END AS date,
        CASE WHEN has_time THEN CAST(local_ms - 28800000 + timestamp_shift_ms AS DOUBLE) / 1000.0 END AS timestamp,
        CAST(play AS DOUBLE) / CAST(duration AS DOUBLE) AS watch_ratio
    """


def _zip_info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = compress
    info.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o644 << 16
    if compress == zipfile.ZIP_DEFLATED:
        # (Python 3.11 keeps the per-member level in a private slot; 3.13 renamed it compress_level.)
        setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", DEFLATE_LEVEL)
    return info


def _add_file(archive: zipfile.ZipFile, name: str, source: Path, compress: int) -> None:
    with source.open("rb") as src, archive.open(_zip_info(name, compress), "w", force_zip64=True) as dst:
        shutil.copyfileobj(src, dst, CHUNK)


@dataclass(frozen=True)
class DeflatedFile:
    """A file's raw deflate stream, on disk, with what a zip member's headers record of it."""

    path: Path  # the deflate stream
    crc: int  # CRC-32 of the uncompressed bytes
    size: int  # uncompressed bytes
    compressed_size: int


def deflate_file(source: Path, destination: Path) -> DeflatedFile:
    """Deflate ``source`` into ``destination`` as zipfile does for a ZIP_DEFLATED member: a raw
    stream (no zlib header, wbits -15) from ``zlib.compressobj`` at DEFLATE_LEVEL, fed CHUNK-sized
    reads as ``shutil.copyfileobj`` feeds a member opened for writing."""
    compressor = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    crc = size = compressed_size = 0
    with source.open("rb") as src, destination.open("wb") as dst:
        while chunk := src.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            compressed_size += dst.write(compressor.compress(chunk))
        compressed_size += dst.write(compressor.flush())
    return DeflatedFile(destination, crc, size, compressed_size)


def _add_deflated(archive: zipfile.ZipFile, name: str, member: DeflatedFile) -> None:
    """Append a member whose deflate stream is ready, with the bytes ``_add_file`` would write.

    zipfile has no public call for this, so this mirrors what ``ZipFile.open(info, "w",
    force_zip64=True)`` does on a seekable file (the same in Python 3.11 to 3.13): a local header with the
    zip64 extra at the end of the members, the data, and the member in the list the central
    directory is written from on close. ZipFile rewrites that header with the final CRC and sizes
    when the member is closed; here they are known, so it is written once. (tests/test_simulate.py
    checks the result against ``_add_file``.)
    """
    info = _zip_info(name, zipfile.ZIP_DEFLATED)
    info.flag_bits = 0  # no data descriptor: the header holds the sizes
    info.CRC, info.file_size, info.compress_size = member.crc, member.size, member.compressed_size
    out = archive.fp
    assert out is not None, "the archive is open for writing"
    out.seek(archive.start_dir)
    info.header_offset = out.tell()
    out.write(info.FileHeader(zip64=True))
    with member.path.open("rb") as src:
        shutil.copyfileobj(src, out, CHUNK)
    archive.start_dir = out.tell()
    archive.filelist.append(info)
    archive.NameToInfo[name] = info


def build_nested_archive(data_files: dict[str, DeflatedFile], loose_files: dict[str, Path], destination: Path,
                         scratch: Path) -> None:
    """``data_files``: member file name -> its deflated CSV (goes under ``KuaiRec 2.0/data/``)."""
    inner = scratch / "KuaiRec.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        for directory in ("KuaiRec 2.0/", DATA_PREFIX):
            archive.writestr(_zip_info(directory, zipfile.ZIP_STORED), b"")
        archive.writestr(
            _zip_info("KuaiRec 2.0/README_SYNTHETIC.txt", zipfile.ZIP_DEFLATED),
            "Synthetic stand-in for KuaiRec 2.0 written by `kuairec-causal simulate`; planted causal\n"
            "effects and their true values are in ground_truth.json next to the outer archive.\n",
        )
        for name in sorted(data_files):
            _add_deflated(archive, DATA_PREFIX + name, data_files[name])
    with zipfile.ZipFile(destination, "w") as archive:
        _add_file(archive, "KuaiRec.zip", inner, zipfile.ZIP_STORED)
        for name in sorted(loose_files):
            _add_file(archive, name, loose_files[name], zipfile.ZIP_STORED)
    inner.unlink()

"""Ingest a KuaiRec 2.0 release into typed Parquet raw tables for the warehouse.

Accepts the archive as distributed (an outer zip holding ``KuaiRec.zip`` stored uncompressed plus
loose CSVs), the inner ``KuaiRec.zip`` alone, or an extracted ``KuaiRec 2.0/data`` folder. Zip
members are decompressed in chunks (with ISA-L's SIMD inflate when the ``isal`` package is
installed) to a scratch file that DuckDB parses in parallel with explicit column types and then
deleted; the next member is decompressed in a background thread while DuckDB converts the current
one (the 432 MB inner zip is never read into memory: its data is addressed in place inside the
outer file). Every table is written under a staging directory first and moved into place only
when all of them succeeded, so a bad input leaves the previous raw tables untouched.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import struct
import threading
import time
import types
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO

import duckdb

from kuairec_causal.atomic import replaced_directory
from kuairec_causal.contract import REJECTS_TABLE, check_relations, check_rows, locate_parse_failure, write_rejects
from kuairec_causal.errors import InputError
from kuairec_causal.progress import stage
from kuairec_causal.raw_schema import (
    DATA_PREFIX,
    GROUND_TRUTH_TABLE,
    MAX_REJECT_SHARE,
    RAW_TABLES,
    RELEASE_WINDOW,
    RawTable,
)

inflate_library: types.ModuleType
try:  # ISA-L inflate: about twice zlib's speed on the 1.1 GB big_matrix.csv, and it releases the GIL
    from isal import isal_zlib as inflate_library
except ImportError:  # pragma: no cover - zlib gives the same bytes, only slower
    inflate_library = zlib

INNER_ARCHIVE = "KuaiRec.zip"
TRUTH_FILE = "ground_truth.json"
MANIFEST_FILE = "_ingest_manifest.json"
INTEGER_TYPES = {"INTEGER", "BIGINT"}
# Tables the analysis never reads: malformed rows are skipped (and counted) instead of failing.
LENIENT_TABLES = {"kuairec_caption_category"}
COPY_CHUNK = 8 << 20
# zstd at level 1: the same file size as the default level 3 (408 MB at full scale), about a
# quarter less ingest CPU, and a third less CPU for every later scan of the raw tables.
PARQUET_OPTIONS = "COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 1000000"


class _FileSlice(io.RawIOBase):
    """A read-only, seekable window onto part of a file (a stored zip member, in place)."""

    def __init__(self, handle: io.BufferedReader, start: int, length: int) -> None:
        self._handle, self._start, self._length, self._position = handle, start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    @property
    def start(self) -> int:
        return self._start

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self._length - self._position)
        if size <= 0:
            return 0
        self._handle.seek(self._start + self._position)
        data = self._handle.read(size)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def _member_slice(path: Path, archive_offset: int, info: zipfile.ZipInfo) -> _FileSlice:
    """The (compressed) data of zip member ``info`` in place, on a new handle of ``path``; the zip
    itself starts ``archive_offset`` bytes into the file (0, or inside a stored outer member)."""
    handle = open(path, "rb")  # noqa: SIM115 - lives as long as the slice
    handle.seek(archive_offset + info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        handle.close()
        raise InputError(f"{path.name}: corrupt zip (bad local header for {info.filename})")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = archive_offset + info.header_offset + 30 + name_length + extra_length
    if start + info.compress_size > path.stat().st_size:
        handle.close()
        raise InputError(f"{path.name}: archive is truncated ({info.filename} runs past the end of the file)")
    return _FileSlice(handle, start, info.compress_size)


def _open_zip(source, label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise InputError(f"{label}: not a readable zip archive (corrupt or truncated): {error}") from None


class _Members:
    """Access to the KuaiRec data files of a release, whatever its packaging."""

    def __init__(self, source: Path) -> None:
        self.source = source
        # _data_zip: (file, offset of the zip in it) holding the data members, read directly (and
        # from another thread) by copy_member; None when only zipfile can read them.
        self._data_zip: tuple[Path, int] | None = None
        self.kind, self._zip, self._folder = self._open(source)
        self._extractor: ThreadPoolExecutor | None = None
        self._extracted: dict[str, Future] = {}
        self._stop = threading.Event()

    def _open(self, source: Path) -> tuple[str, zipfile.ZipFile | None, Path | None]:
        if not source.exists():
            raise InputError(f"{source}: path does not exist")
        if source.is_dir():
            for folder in (source, source / "KuaiRec 2.0" / "data", source / "data"):
                if any((folder / t.member).is_file() for t in RAW_TABLES):
                    return "folder", None, folder
            raise InputError(f"{source}: folder holds none of the KuaiRec data files (e.g. small_matrix.csv)")
        archive = _open_zip(source, source.name)
        names = set(archive.namelist())
        if INNER_ARCHIVE in names:
            info = archive.getinfo(INNER_ARCHIVE)
            if info.compress_type == zipfile.ZIP_STORED:
                inner_slice = _member_slice(source, 0, info)
                self._data_zip = (source, inner_slice.start)
                inner = _open_zip(inner_slice, f"{source.name}:{INNER_ARCHIVE}")
            else:  # not as distributed, but still readable through the outer archive
                inner = _open_zip(archive.open(info), f"{source.name}:{INNER_ARCHIVE}")
            return "outer archive", inner, None
        if any(name.startswith(DATA_PREFIX) for name in names):
            self._data_zip = (source, 0)
            return "inner archive", archive, None
        raise InputError(f"{source.name}: zip holds neither {INNER_ARCHIVE} nor '{DATA_PREFIX}' members")

    @property
    def _archive(self) -> zipfile.ZipFile:
        assert self._zip is not None, "a data folder has no archive"
        return self._zip

    def has(self, member: str) -> bool:
        if self._folder is not None:
            return (self._folder / member).is_file()
        return DATA_PREFIX + member in self._archive.namelist()

    def header(self, member: str) -> list[str]:
        """The member's CSV header (reads only the start of a zip member)."""
        opener: Callable[[], IO[bytes]]
        if self._folder is not None:
            path = self._folder / member
            size, opener = path.stat().st_size, lambda: open(path, "rb")  # noqa: SIM115
        else:
            archive = self._archive
            size, opener = archive.getinfo(DATA_PREFIX + member).file_size, lambda: archive.open(DATA_PREFIX + member)
        if size == 0:
            raise InputError(f"{member}: file is empty")
        try:
            with opener() as handle:
                first = handle.read(1 << 16).decode("utf-8-sig", errors="replace")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise InputError(f"{self.source.name}: cannot read {member} (corrupt or truncated archive): "
                             f"{error}") from None
        header = next(csv.reader(io.StringIO(first.split("\n", 1)[0])), [])
        if not header or header == [""]:
            raise InputError(f"{member}: file is empty (no header line)")
        return header

    def extract_ahead(self, member: str, scratch: Path) -> None:
        """Start decompressing a zip member to ``scratch`` in a background thread, so that it
        overlaps DuckDB's conversion of the previous member; csv_file() then waits for it."""
        if self._folder is not None or member in self._extracted:
            return
        if self._extractor is None:
            self._extractor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kuairec-inflate")
        self._extracted[member] = self._extractor.submit(self.extract, member, scratch / member)

    def extract(self, member: str, target: Path) -> Path:
        """Decompress a zip member to the file ``target``."""
        with open(target, "wb") as destination:
            self.copy_member(member, destination)
        return target

    def csv_path(self, member: str) -> Path:
        """A member of an extracted data folder."""
        assert self._folder is not None, "an archive has no data folder"
        return self._folder / member

    def close(self) -> None:
        """Stop and wait for a background extraction (before the scratch folder is removed)."""
        self._stop.set()
        if self._extractor is not None:
            self._extractor.shutdown(wait=True, cancel_futures=True)
            self._extractor = None

    @contextmanager
    def csv_file(self, member: str, scratch: Path) -> Iterator[Path]:
        """The member's CSV as a regular file, deleted afterwards. A zip member is decompressed
        into ``scratch`` first: DuckDB then parses it with every thread (from a pipe it could use
        only one; measured at full scale, 1.1 GB big_matrix.csv: 9.7 s against 15 s streamed)."""
        if self._folder is not None:
            yield self.csv_path(member)
            return
        target = scratch / member
        try:
            pending = self._extracted.pop(member, None)
            if pending is not None:
                pending.result()
            else:
                self.extract(member, target)
            yield target
        finally:
            target.unlink(missing_ok=True)

    def copy_member(self, member: str, destination: BinaryIO) -> None:
        info = self._archive.getinfo(DATA_PREFIX + member)
        try:
            if self._data_zip is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                with self._archive.open(info) as source:
                    shutil.copyfileobj(source, destination, COPY_CHUNK)
            else:
                self._inflate(info, destination)
        except (zipfile.BadZipFile, zlib.error, inflate_library.error, EOFError) as error:
            raise InputError(f"{self.source.name}: cannot read {member} (corrupt or truncated archive): "
                             f"{error}") from None

    def _inflate(self, info: zipfile.ZipInfo, destination: BinaryIO) -> None:
        """Decompress a stored or deflated member read in place (on its own file handle), checking
        its CRC-32 and size as zipfile would."""
        inflater = inflate_library.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        crc = size = 0
        assert self._data_zip is not None, "only members read in place are inflated here"
        path, archive_offset = self._data_zip
        with _member_slice(path, archive_offset, info) as source:
            while chunk := source.read(COPY_CHUNK):
                if self._stop.is_set():
                    return
                data = inflater.decompress(chunk) if inflater is not None else chunk
                crc, size = inflate_library.crc32(data, crc), size + len(data)
                destination.write(data)
        if inflater is not None:
            data = inflater.flush()
            crc, size = inflate_library.crc32(data, crc), size + len(data)
            destination.write(data)
            if not inflater.eof:
                raise EOFError("compressed data ended before the end-of-stream marker")
        if size != info.file_size or crc != info.CRC:
            raise zipfile.BadZipFile(f"bad CRC-32 or size for {info.filename}")


def _check_header(table: RawTable, header: list[str]) -> None:
    missing = [c for c in table.header if c not in header]
    if missing:
        unexpected = [c for c in header if c not in table.header]
        found = f"; found unexpected column(s) {', '.join(unexpected)}" if unexpected else ""
        raise InputError(f"{table.member}: header lacks column(s) {', '.join(missing)}{found}")
    duplicates = sorted({c for c in header if header.count(c) > 1})
    if duplicates:
        raise InputError(f"{table.member}: header repeats column(s) {', '.join(duplicates)}")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(path: Path, header: list[str], table: RawTable, all_varchar: bool = False) -> str:
    """read_csv call with the file's own column order and explicit types (no type sniffing)."""
    types = dict(table.columns)
    columns = {
        name: ("VARCHAR" if all_varchar or name not in types
               else "DOUBLE" if types[name] in INTEGER_TYPES else types[name])
        for name in header
    }
    spec = ", ".join(f"{_sql_string(k)}: {_sql_string(v)}" for k, v in columns.items())
    lenient = ", ignore_errors = true, strict_mode = false" if table.name in LENIENT_TABLES else ""
    return (
        f"read_csv({_sql_string(str(path))}, header = true, delim = ',', quote = '\"', escape = '\"', "
        f"auto_detect = false, columns = {{{spec}}}, null_padding = false{lenient})"
    )


def _typed_select(table: RawTable) -> str:
    parts = []
    for name, sql_type in table.columns:
        column = f'"{name}"'
        if sql_type in INTEGER_TYPES:
            message = _sql_string(f"{table.member}: column '{name}' holds a non-integer number")
            parts.append(
                f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} = round({column}) "
                f"THEN CAST({column} AS {sql_type}) ELSE error({message}) END AS {column}"
            )
        else:
            parts.append(column)
    return ", ".join(parts)


def _locate_bad_value(con: duckdb.DuckDBPyConnection, path: Path, header: list[str], table: RawTable) -> str | None:
    """After a conversion failure: which column holds which bad value on which line."""
    numeric = [name for name, sql_type in table.columns if sql_type != "VARCHAR"]
    checks = " OR ".join(f'(TRY_CAST("{n}" AS DOUBLE) IS NULL AND "{n}" IS NOT NULL AND "{n}" <> \'\')'
                         for n in numeric)
    if not checks:
        return None
    row = con.execute(
        "SELECT * FROM (SELECT row_number() OVER () + 1 AS line, * FROM "
        f"{_reader(path, header, table, all_varchar=True)}) "
        f"WHERE {checks} LIMIT 1"
    ).fetchall()
    if not row:
        return None
    values = dict(zip(["line", *header], row[0]))
    for name in numeric:
        value = values.get(name)
        if value is not None and value != "":
            try:
                float(value)
            except ValueError:
                return f"{table.member}: column '{name}' has non-numeric value {value!r} on line {values['line']}"
    return None


def _convert(con: duckdb.DuckDBPyConnection, members: _Members, table: RawTable, scratch: Path, target: Path) -> int:
    header = members.header(table.member)
    _check_header(table, header)
    failure = located = None
    with members.csv_file(table.member, scratch) as path:
        query = f"SELECT {_typed_select(table)} FROM {_reader(path, header, table)}"
        try:
            con.execute(f"COPY ({query}) TO {_sql_string(str(target))} (FORMAT parquet, {PARQUET_OPTIONS})")
        except duckdb.Error as error:
            failure = str(error).strip().splitlines()[0]
            located = locate_parse_failure(con, path, table, header, _locate_bad_value)
    if failure is not None:
        raise InputError(located or f"{table.member}: cannot be read as a CSV with the expected columns: {failure}")
    rows = con.execute(f"SELECT count(*) FROM read_parquet({_sql_string(str(target))})").fetchall()[0][0]
    if rows == 0:
        raise InputError(f"{table.member}: file has a header but no data rows")
    return int(rows)


def _truth_rows(document: dict) -> list[tuple]:
    rows = []
    for matrix, block in sorted(document.get("matrices", {}).items()):
        population = block.get("population_rows")
        for study in ("long_term", "mediation"):
            for outcome, values in sorted(block[study]["estimates"].items()):
                for estimand, value in sorted(values.items()):
                    rows.append((matrix, study, estimand, outcome, float(value), population))
            for label in ("CDE_low", "CDE_high"):
                if study == "mediation":
                    rows.append((matrix, study, f"{label}_mediator_value", "satisfaction_depth_score",
                                 float(block[study]["mediator_values"][label]), population))
        # Exposure policies over k-day windows: the estimand label carries regime, k and delta
        # (e.g. "incremental_vs_natural[k=3,delta=2]"); each window has its own population.
        for window in block.get("long_term_regime", {}).get("windows", {}).values():
            for outcome, values in sorted(window["estimates"].items()):
                for estimand, value in sorted(values.items()):
                    rows.append((matrix, "long_term_regime", estimand, outcome, float(value),
                                 window["population_rows"]))
    return rows


def _find_truth(source: Path, explicit: Path | None) -> dict | None:
    candidate = explicit or (source.parent / TRUTH_FILE if source.is_file() else source / TRUTH_FILE)
    if not candidate.is_file():
        if explicit is not None:
            raise InputError(f"{explicit}: ground truth file does not exist")
        return None
    try:
        document = json.loads(candidate.read_text())
    except json.JSONDecodeError as error:
        raise InputError(f"{candidate}: not valid JSON: {error}") from None
    archive = document.get("archive", {})
    if explicit is None and source.is_file() and archive.get("file") != source.name:
        return None  # a truth file for another archive: ignore it
    if "matrices" not in document:
        raise InputError(f"{candidate}: not a kuairec-causal ground truth file (no 'matrices')")
    try:  # every section the warehouse reads, checked before anything is written
        _truth_rows(document)
        for block in document["matrices"].values():
            block["warehouse_vars"].items()
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(f"{candidate}: incomplete ground truth file (missing or malformed {error})") from None
    return document


def release_window() -> dict[str, str]:
    """The release's declared calendar window as the manifest records it."""
    return {"first_date": RELEASE_WINDOW[0], "last_date": RELEASE_WINDOW[1]}


def planted_vars(document: dict) -> dict[str, dict]:
    """The warehouse vars a simulated release's truth assumes, per interaction matrix."""
    return {matrix: block["warehouse_vars"] for matrix, block in document["matrices"].items()}


def release_truth(source: Path) -> dict | None:
    """The ground-truth document ingest would read for the release at ``source`` (None for a
    real release, or when the file is missing or unreadable: ingest reports those)."""
    try:
        return _find_truth(Path(source).resolve(), None)
    except InputError:
        return None


def _write_truth(con: duckdb.DuckDBPyConnection, document: dict | None, target: Path) -> int:
    columns = ", ".join(f'"{name}" {sql_type}' for name, sql_type in GROUND_TRUTH_TABLE.columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE truth ({columns})")
    rows = _truth_rows(document) if document else []
    if rows:
        con.executemany("INSERT INTO truth VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.execute(f"COPY (SELECT * FROM truth ORDER BY ALL) TO {_sql_string(str(target))} (FORMAT parquet)")
    return len(rows)


def source_identity(source: Path) -> dict:
    """What identifies the ingested input: its path, size and modification time."""
    source = Path(source).resolve()
    info = source.stat()
    return {"path": str(source), "size": info.st_size, "mtime_ns": info.st_mtime_ns}


def _enforce_contract(con: duckdb.DuckDBPyConnection, table: RawTable, target: Path, manifest: dict,
                      max_reject_share: float) -> None:
    """The table's declared rules (kuairec_causal.contract): stop, or move rejected rows out and count them."""
    rejected = check_rows(con, table, target, max_reject_share)
    if rejected:
        manifest["rejects"][table.name] = rejected
        manifest["rows"][table.name] -= sum(rejected.values())


def _finish_contract(con: duckdb.DuckDBPyConnection, staging: Path, manifest: dict) -> None:
    check_relations(con, staging)
    manifest["rows"][REJECTS_TABLE] = write_rejects(con, staging)
    manifest["release_window"] = release_window()


def ingest_release(source: Path, raw_dir: Path, truth: Path | None = None,
                   max_reject_share: float = MAX_REJECT_SHARE) -> dict:
    """Convert a release into ``raw_dir/<table>.parquet``; returns the ingest manifest. Every table
    is checked against the data contract (:mod:`kuairec_causal.contract`); rejected rows go to
    ``ingest_rejects.parquet`` unless they exceed ``max_reject_share`` of a file."""
    source = Path(source).resolve()
    raw_dir = Path(raw_dir).resolve()
    members = _Members(source)
    with replaced_directory(raw_dir) as staging:
        scratch = staging / ".scratch"
        scratch.mkdir()
        con = duckdb.connect(config={"threads": 2, "preserve_insertion_order": True, "memory_limit": "4GB"})
        manifest: dict[str, Any] = {"source": str(source), "kind": members.kind, "rows": {}, "skipped": [],
                                    "rejects": {}, "source_identity": source_identity(source)}
        present = [table for table in RAW_TABLES if members.has(table.member)]
        for table in RAW_TABLES:
            if table not in present:
                if table.required:
                    raise InputError(f"{source.name}: release lacks {DATA_PREFIX}{table.member}")
                manifest["skipped"].append(table.member)
        try:
            for position, table in enumerate(present):
                if position + 1 < len(present):
                    members.extract_ahead(present[position + 1].member, scratch)
                target = staging / f"{table.name}.parquet"
                with stage(f"ingest {table.member}"):
                    manifest["rows"][table.name] = _convert(con, members, table, scratch, target)
                    _enforce_contract(con, table, target, manifest, max_reject_share)
        finally:
            members.close()
        _finish_contract(con, staging, manifest)
        document = _find_truth(source, truth)
        truth_file = staging / f"{GROUND_TRUTH_TABLE.name}.parquet"
        manifest["rows"][GROUND_TRUTH_TABLE.name] = _write_truth(con, document, truth_file)
        manifest["simulated"] = document is not None
        if document is not None:
            manifest["truth"] = {"scale": document.get("scale", {}).get("name"), "seed": document.get("seed"),
                                 "null_effects": document.get("null_effects"),
                                 "warehouse_vars": planted_vars(document)}
        con.close()
        shutil.rmtree(scratch)
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def extract_member(source: Path, member: str, destination: Path) -> Path:
    """Decompress one data member of a release (e.g. ``big_matrix.csv``) to ``destination``, as
    ingest reads it; the benchmark's baselines start from this extracted CSV."""
    members = _Members(Path(source).resolve())
    if not members.has(member):
        raise InputError(f"{Path(source).name}: release lacks {DATA_PREFIX}{member}")
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if members.kind == "folder":
        return Path(shutil.copyfile(members.csv_path(member), destination))
    return members.extract(member, destination)


def inflate_seconds(source: Path) -> dict[str, float]:
    """Seconds to decompress (and CRC-check) each data member ingest reads from the release at
    ``source``, one member after the other on one thread, discarding the bytes: the least work any
    ingest of the archive must do before parsing (the benchmark's floor). An extracted folder needs
    none (an empty dict)."""
    members = _Members(Path(source).resolve())
    if members.kind == "folder":
        return {}
    seconds = {}
    for table in RAW_TABLES:
        if members.has(table.member):
            with open(os.devnull, "wb") as nowhere:
                start = time.perf_counter()
                members.copy_member(table.member, nowhere)
                seconds[table.member] = time.perf_counter() - start
    return seconds


def read_manifest(raw_dir: Path) -> dict | None:
    path = Path(raw_dir) / MANIFEST_FILE
    return json.loads(path.read_text()) if path.is_file() else None


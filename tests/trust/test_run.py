"""`run` analyses exactly the data it was asked for: a stage is reused only when its output is
verifiably that of the requested inputs."""

from __future__ import annotations

import json

from trust_home import Home

from kuairec_causal.ingest import ingest_release, read_manifest
from kuairec_causal.pipeline import RunOptions, RunState, ensure_data


def test_a_manual_ingest_of_other_data_is_not_reused(tiny_release, tiny_null_release, tmp_path):
    """The issue's case: after `ingest` of another release, the next `run` ingests its own data
    again instead of reporting "up to date" on the other one."""
    home = Home(tmp_path)
    paths, state = home.paths(), RunState.load(home.paths())
    options = RunOptions(archive=tiny_release.archive)
    timings: dict[str, float] = {}
    ensure_data(paths, options, state, timings)
    assert read_manifest(home.raw_dir)["source"] == str(tiny_release.archive.resolve())

    ensure_data(paths, options, state, timings)
    assert timings["data"] == 0.0  # same archive, untouched: reused

    ingest_release(tiny_null_release.archive, home.raw_dir)  # by hand, another release
    ensure_data(paths, options, state, timings)
    assert timings["data"] > 0.0
    manifest = read_manifest(home.raw_dir)
    assert manifest["source"] == str(tiny_release.archive.resolve())
    assert not json.loads(json.dumps(manifest["truth"]))["null_effects"]

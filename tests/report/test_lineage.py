"""Layers and lineage: the Python stages consume marts only, the dbt exposures declare exactly
what they consume, the effect tables are dbt sources with tests, and dbt's manifest shows the
lineage (marts -> estimator stages, effect sources -> report) without `-- depends_on` tricks."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from kuairec_causal.report.tables import warehouse_inputs

ROOT = Path(__file__).resolve().parents[2]


def _exposures() -> dict[str, dict]:
    return {e["name"]: e for e in yaml.safe_load((ROOT / "models" / "exposures.yml").read_text())["exposures"]}


def _effect_sources() -> dict[str, list[str]]:
    """Source name -> its tables, from the YAML of models/effects/."""
    sources = {}
    for path in sorted((ROOT / "models" / "effects").rglob("*.yml")):
        for source in yaml.safe_load(path.read_text()).get("sources", []):
            sources[source["name"]] = [t["name"] for t in source["tables"]]
    return sources


def _manifest(report_warehouse) -> dict:
    return json.loads((report_warehouse.duckdb_path.parent / "target" / "manifest.json").read_text())


def test_studies_read_marts_only_and_their_exposures_say_which(report_warehouse, study_reads):
    exposures = _exposures()
    assert set(study_reads) == {"long_term", "mediation"}
    for study, reads in study_reads.items():
        assert reads, study
        assert all(r.startswith("marts.") for r in reads), f"{study} reads below the marts: {reads}"
        declared = {d.removeprefix("ref('").removesuffix("')") for d in exposures[f"estimator_stage_{study}"][
            "depends_on"]}
        assert {r.removeprefix("marts.") for r in reads} == declared, study


def test_report_exposure_lists_every_input_of_the_report():
    declared = set(_exposures()["report"]["depends_on"])
    marts = {f"ref('{name}')" for schema, name, _ in warehouse_inputs()}
    sources = {f"source('{source}', '{table}')" for source, tables in _effect_sources().items() for table in tables}
    assert declared == marts | sources


def test_manifest_shows_real_lineage(report_warehouse):
    manifest = _manifest(report_warehouse)
    report = manifest["exposures"]["exposure.kuairec_causal.report"]["depends_on"]["nodes"]
    assert any(n.startswith("source.kuairec_causal.effects_long_term.") for n in report)
    assert "model.kuairec_causal.mart_planted_truth" in report
    stage = manifest["exposures"]["exposure.kuairec_causal.estimator_stage_long_term"]["depends_on"]["nodes"]
    assert "model.kuairec_causal.mart_long_term_analysis" in stage
    assert not [n for n in manifest["nodes"].values()
                if n["resource_type"] == "model" and "depends_on:" in (n.get("raw_code") or "")]


def test_every_effect_table_is_a_tested_source(report_warehouse):
    manifest = _manifest(report_warehouse)
    tested = {parent for n in manifest["nodes"].values() if n["resource_type"] == "test"
              for parent in n["depends_on"]["nodes"] if parent.startswith("source.")}
    for source, tables in _effect_sources().items():
        for table in tables:
            assert f"source.kuairec_causal.{source}.{table}" in tested, f"{source}.{table} has no test"

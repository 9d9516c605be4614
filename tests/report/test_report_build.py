"""The report of a tiny end-to-end run: files, numbers, HTML, atomic replacement, degradation."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from summary_checks import check_facts_against_warehouse, uncovered_numbers

from kuairec_causal import registry
from kuairec_causal.report.figures import FIGURES

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def effect_tables_in_warehouse(duckdb_path: Path) -> set[str]:
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT table_name FROM information_schema.tables WHERE table_schema = "
                           "'effects' AND (table_name LIKE 'long_term_%' OR "
                           "table_name LIKE 'mediation_%')").fetchall()
    finally:
        con.close()
    return {name for (name,) in rows}


def test_every_figure_is_a_valid_png(built_report: Path):
    from matplotlib.image import imread
    from PIL import Image

    for spec in FIGURES:
        path = built_report / "figures" / spec.file
        assert path.is_file(), f"missing figure {spec.file}"
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000, spec.file
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            width, height = image.size
        assert width >= 600 and height >= 300, f"{spec.file} is {width}x{height}"
        assert imread(path).shape[:2] == (height, width)
    assert sorted(p.name for p in (built_report / "figures").iterdir()) == sorted(s.file for s in FIGURES)


def test_tables_mirror_every_effect_table(built_report: Path, report_warehouse):
    tables = built_report / "tables"
    expected = effect_tables_in_warehouse(report_warehouse.duckdb_path)
    assert {"long_term_estimator_comparison", "mediation_effect_decomposition"} <= expected
    for name in expected:
        assert (tables / f"{name}.csv").is_file() or (tables / f"{name}.csv.gz").is_file(), f"{name}.csv missing"
    comparison = pd.read_csv(tables / "long_term_estimator_comparison.csv")
    assert {e.label for e in registry.estimators().values()} == set(comparison["estimator"])
    for name in ("limitations", "recommendations", "artifact_index", "summary_facts", "ground_truth"):
        assert (tables / f"{name}.csv").is_file(), name
    limitations = pd.read_csv(tables / "limitations.csv")
    assert {"limitation", "why_it_matters", "mitigation_in_project", "evidence_in_this_run"} <= set(limitations.columns)
    assert len(limitations) >= 6
    recommendations = pd.read_csv(tables / "recommendations.csv")
    assert {"decision_area", "recommendation", "evidence"} <= set(recommendations.columns)


def test_artifact_index_lists_every_file_with_its_size(built_report: Path):
    index = pd.read_csv(built_report / "tables" / "artifact_index.csv")
    files = sorted(p.relative_to(built_report).as_posix() for p in built_report.rglob("*") if p.is_file())
    assert sorted(index["artifact"]) == files
    for _, row in index.iterrows():
        path = built_report / row["artifact"]
        assert row["size_bytes"] == path.stat().st_size, row["artifact"]
        assert row["type"] == path.suffix.lstrip(".")


def test_every_summary_number_is_a_fact(built_report: Path):
    markdown = (built_report / "final_summary.md").read_text()
    facts = pd.read_csv(built_report / "tables" / "summary_facts.csv", dtype={"value": str, "rendered": str},
                        keep_default_na=False)
    assert len(facts) > 50
    assert facts["fact_id"].is_unique
    rendered = facts["rendered"].tolist()
    assert uncovered_numbers(markdown, rendered) == []
    unused = [f for f, r in zip(facts["fact_id"], rendered) if r not in markdown]
    assert unused == [], f"facts not in the summary: {unused}"


def test_facts_equal_the_warehouse(built_report: Path, report_warehouse):
    facts = pd.read_csv(built_report / "tables" / "summary_facts.csv", dtype={"value": str, "rendered": str},
                        keep_default_na=False)
    assert check_facts_against_warehouse(facts, report_warehouse.duckdb_path) == []
    # The headline numbers are there and come from the expected rows.
    ids = set(facts["fact_id"])
    assert {"lt_aipw_estimate", "lt_aipw_ci_lower", "lt_aipw_ci_upper", "med_te_y_future_interactions_estimate",
            "med_nde_y_future_interactions_estimate", "med_nie_y_future_interactions_estimate"} <= ids
    aipw = facts.set_index("fact_id").loc["lt_aipw_estimate"]
    assert aipw["source_table"].endswith(".long_term_estimator_comparison")
    assert json.loads(aipw["row_key"])["estimator"] == registry.estimator("aipw").label


def test_summary_states_synthetic_data_and_planted_truth(built_report: Path):
    markdown = (built_report / "final_summary.md").read_text()
    for heading in ("## Question", "## Why it matters", "## Methods", "## Main results: long-term study",
                    "## Main results: mediation study", "## Sensitivity and heterogeneity", "## Product takeaway",
                    "## Limitations", "## Recommendations"):
        assert heading in markdown
    assert "synthetic stand-in" in markdown
    assert "Against the planted truth" in markdown
    facts = pd.read_csv(built_report / "tables" / "summary_facts.csv")
    truth = facts[facts["source_table"] == "marts.mart_planted_truth"]
    estimands = {json.loads(key)["estimand"] for key in truth["row_key"]}
    assert {"ATE", "TE", "NDE", "NIE"} <= estimands


def test_html_is_self_contained_and_embeds_everything(built_report: Path):
    page = (built_report / "report.html").read_text()
    pngs = sorted((built_report / "figures").glob("*.png"))
    uris = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"[^>]*data-file="([^"]+)"', page)
    assert len(uris) == len(pngs) == page.count("data:image/png;base64,")
    embedded = {file: data for data, file in uris}
    for png in pngs:
        assert base64.b64decode(embedded[f"figures/{png.name}"]) == png.read_bytes()
    for table_id in ("long_term_estimator_comparison", "long_term_weight_readiness", "long_term_secondary_outcomes",
                     "mediation_effect_decomposition", "mediation_advanced_summary", "limitations",
                     "recommendations"):
        assert f'id="tbl-{table_id}"' in page, table_id
    assert 'class="toc"' in page and "Main results: long-term study" in page
    assert "document.body.dataset.imagesOk" in page
    # No external resources: nothing fetched over the network, no external scripts or stylesheets.
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link" not in page and "@import" not in page and "<script src" not in page


def test_rerun_replaces_the_folder_atomically(report_warehouse, tmp_path, monkeypatch):
    import kuairec_causal.report.build as build

    monkeypatch.setattr(build, "FIGURES", FIGURES[:2])  # the swap does not depend on the figures
    out = tmp_path / "report"
    build.build_report(report_warehouse, out)
    (out / "stale.txt").write_text("from the previous run")
    first_html = (out / "report.html").read_bytes()
    build.build_report(report_warehouse, out)
    assert not (out / "stale.txt").exists()
    assert (out / "report.html").is_file() and (out / "report.html").read_bytes() != b""
    assert first_html.count(b"data:image/png") == (out / "report.html").read_bytes().count(b"data:image/png")
    assert [p.name for p in tmp_path.iterdir()] == ["report"]

    # A failing build leaves the previous report untouched and no temporary folder behind.
    (out / "stale.txt").write_text("previous report")

    def broken(**_kwargs):
        raise RuntimeError("boom while rendering")

    monkeypatch.setattr(build, "render_html", broken)
    with pytest.raises(RuntimeError, match="boom"):
        build.build_report(report_warehouse, out)
    assert (out / "stale.txt").read_text() == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def _altered_copy(report_warehouse, copy: Path, *statements: str):
    """Paths of a copy of the report warehouse with ``statements`` applied (tables dropped)."""
    from kuairec_causal.config import Paths

    shutil.copy2(report_warehouse.duckdb_path, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.execute(statement)
    return Paths(root=report_warehouse.root, duckdb_path=copy, raw_dir=report_warehouse.raw_dir)


def test_missing_effect_tables_degrade_to_notes(report_warehouse, tmp_path, monkeypatch):
    import kuairec_causal.report.build as build
    from kuairec_causal.report.headline import headline

    paths = _altered_copy(report_warehouse, tmp_path / "degraded.duckdb",
                          "DROP TABLE effects.long_term_estimator_comparison",
                          "DROP TABLE effects.mediation_sem_paths")
    copy = paths.duckdb_path
    keep = {"03_lt_estimator_comparison.png", "16_med_sem_path_decomposition.png", "15_med_effect_decomposition.png"}
    monkeypatch.setattr(build, "FIGURES", tuple(s for s in FIGURES if s.file in keep))
    out = build.build_report(paths, tmp_path / "report")
    markdown = (out / "final_summary.md").read_text()
    page = (out / "report.html").read_text()
    for name in ("effects.long_term_estimator_comparison", "effects.mediation_sem_paths"):
        assert f"not available: {name} missing" in markdown.lower() or f"Not available: `{name} missing" in markdown
        assert name in page
    assert not (out / "figures" / "03_lt_estimator_comparison.png").exists()
    assert (out / "figures" / "15_med_effect_decomposition.png").is_file()
    assert "Figure not available" in page
    assert "## Main results: mediation study" in markdown and "Total effect (TE)" in markdown
    facts = pd.read_csv(out / "tables" / "summary_facts.csv", dtype={"value": str, "rendered": str},
                        keep_default_na=False)
    assert uncovered_numbers(markdown, facts["rendered"].tolist()) == []
    assert check_facts_against_warehouse(facts, copy) == []
    text = headline(paths)
    assert "long_term_estimator_comparison missing" in text and "TE " in text


def test_report_without_any_effect_tables(report_warehouse, tmp_path, monkeypatch):
    import kuairec_causal.report.build as build

    paths = _altered_copy(report_warehouse, tmp_path / "bare.duckdb", "DROP SCHEMA effects CASCADE")
    monkeypatch.setattr(build, "FIGURES", FIGURES[:3])
    out = build.build_report(paths, tmp_path / "report")
    markdown = (out / "final_summary.md").read_text()
    assert "## Not available in this run" in markdown
    assert (out / "figures" / "01_daily_treatment_outcome_rates.png").is_file()
    assert not (out / "figures" / "03_lt_estimator_comparison.png").exists()
    facts = pd.read_csv(out / "tables" / "summary_facts.csv", dtype={"value": str, "rendered": str},
                        keep_default_na=False)
    assert uncovered_numbers(markdown, facts["rendered"].tolist()) == []


def test_copied_marts_give_a_complete_report_without_the_marts(report_warehouse, tmp_path):
    """A DuckDB file whose marts live on another engine (Spark): the effect tables plus the copy
    the estimator stage makes of the marts the report reads (store.copy_relations over
    report.tables.warehouse_inputs) leave nothing missing, and the copies equal the originals."""
    from kuairec_causal.report.tables import load_tables, warehouse_inputs
    from kuairec_causal.store import DuckDBMartReader, copy_relations, write_tables

    source = DuckDBMartReader(report_warehouse.duckdb_path)
    target = tmp_path / "effects-only.duckdb"
    with duckdb.connect(str(report_warehouse.duckdb_path), read_only=True) as con:
        names = [n for (n,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'effects'").fetchall()]
    write_tables(target, {name: source.read(f"effects.{name}") for name in names})
    before = load_tables(target)
    assert "mart_daily_panel_summary" in before.missing and "mart_mediation_panel" in before.missing

    copied = copy_relations(source, target, warehouse_inputs())

    assert "marts.mart_mediation_panel" in copied and "marts.mart_planted_truth" in copied
    after, original = load_tables(target), load_tables(report_warehouse.duckdb_path)
    assert not after.missing
    for name in ("mart_daily_panel_summary", "mart_planted_truth", "mart_mediation_panel", "mart_panel_windows"):
        pd.testing.assert_frame_equal(after.get(name), original.get(name), check_dtype=False)


def test_the_report_reads_marts_and_effect_tables_and_never_writes(report_warehouse, tmp_path, monkeypatch):
    """Layers: every input of the report is a mart or an effect table (nothing from staging or the
    seeds), and building the report leaves the warehouse file byte for byte as it was."""
    import hashlib

    import kuairec_causal.report.build as build
    from kuairec_causal.report.tables import EFFECT_SCHEMA, load_tables, warehouse_inputs

    assert {schema for schema, _, _ in warehouse_inputs()} == {"marts"}
    tables = load_tables(report_warehouse.duckdb_path)
    assert {source.split(".")[0] for source in tables.sources.values()} == {"marts", EFFECT_SCHEMA}
    paths = _altered_copy(report_warehouse, tmp_path / "warehouse.duckdb")
    digest = hashlib.sha256(paths.duckdb_path.read_bytes()).hexdigest()
    monkeypatch.setattr(build, "FIGURES", FIGURES[:2])
    build.build_report(paths, tmp_path / "report")
    assert hashlib.sha256(paths.duckdb_path.read_bytes()).hexdigest() == digest


def test_same_files_on_one_or_two_processes(report_warehouse, tmp_path):
    """Plumbing: the figures and table files written by two processes are the bytes one process
    writes (the page differs only in its build time)."""
    import kuairec_causal.report.build as build

    one = build.build_report(report_warehouse, tmp_path / "one", jobs=1)
    two = build.build_report(report_warehouse, tmp_path / "two", jobs=2)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    built = re.compile(rb"built \d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    for name in files:
        first, second = (built.sub(b"built", (folder / name).read_bytes()) for folder in (one, two))
        assert first == second, name

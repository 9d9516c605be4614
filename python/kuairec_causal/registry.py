"""The ids of the project's estimators and estimands, in one place.

They are the dbt seeds ``seeds/estimator_registry.csv`` and ``seeds/estimand_registry.csv``: the
dbt tests read them with ``ref()`` (relationships and completeness of the effect tables), and this
module reads the same files for the studies (which label their rows with them), the report (which
looks rows up by them) and the tests. Code refers to an estimator by its id (``"aipw"``), never by
retyping its label ("AIPW, doubly robust").
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kuairec_causal.errors import KuaiRecError


@dataclass(frozen=True)
class Estimator:
    """A row of seeds/estimator_registry.csv."""

    id: str
    label: str  # the `estimator` value of the effect tables
    order: int  # display order (estimator_order of the effect tables)
    short_name: str  # in running text ("the intervals of AIPW and weighted MSM ...")
    tick_label: str  # on figure axes
    adjusted: bool  # adjusts for confounding (False: the naive difference)
    primary: bool  # the study's headline estimator
    method: str


@dataclass(frozen=True)
class Estimand:
    """A row of seeds/estimand_registry.csv; ``symbol`` is the id used in effect tables and truth."""

    study: str
    name: str
    symbol: str
    definition: str
    plain_language: str
    question_answered: str


def seeds_dir() -> Path:
    """The dbt project's seeds folder: next to this package in a checkout, else the project root."""
    here = Path(__file__).resolve().parents[2] / "seeds"
    if (here / "estimator_registry.csv").is_file():
        return here
    from kuairec_causal.config import find_project_root

    return find_project_root() / "seeds"


def _rows(name: str) -> list[dict[str, str]]:
    path = seeds_dir() / name
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as error:
        raise KuaiRecError(f"{path}: cannot read the registry seed ({error.strerror})") from None


def _flag(value: str) -> bool:
    return value.strip().lower() == "true"


@cache
def estimators() -> dict[str, Estimator]:
    """Every estimator by id, in display order."""
    rows = [Estimator(id=r["estimator_id"], label=r["estimator"], order=int(r["estimator_order"]),
                      short_name=r["short_name"], tick_label=r["tick_label"], adjusted=_flag(r["adjusted"]),
                      primary=_flag(r["primary"]), method=r["method"])
            for r in _rows("estimator_registry.csv")]
    return {e.id: e for e in sorted(rows, key=lambda e: e.order)}


def estimator(estimator_id: str) -> Estimator:
    try:
        return estimators()[estimator_id]
    except KeyError:
        raise KuaiRecError(f"seeds/estimator_registry.csv: no estimator '{estimator_id}'") from None


def by_label(label: str) -> Estimator | None:
    """The estimator whose effect-table label is ``label`` (None for an unknown label)."""
    return next((e for e in estimators().values() if e.label == label), None)


def primary_estimator() -> Estimator:
    return next(e for e in estimators().values() if e.primary)


@cache
def estimands(study: str) -> dict[str, Estimand]:
    """The registered estimands of ``study`` by symbol, in registry order."""
    rows = [Estimand(study=r["study"], name=r["estimand"], symbol=r["symbol"], definition=r["definition"],
                     plain_language=r["plain_language"], question_answered=r["question_answered"])
            for r in _rows("estimand_registry.csv")]
    return {e.symbol: e for e in rows if e.study == study}

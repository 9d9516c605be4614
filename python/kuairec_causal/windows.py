"""The panel's windows and the column names they generate.

The dbt vars ``history_window_days``, ``short_horizon_days`` and ``max_lead_days`` set the windows of
the user-day panel, and the names of its window columns follow them (macros ``prior_window_column``,
``short_horizon_column`` and ``horizon_column`` in ``macros/warehouse/definitions.sql``):

- ``prior_<h>day_<metric>``: sum of a daily metric over the ``h`` previous days,
- ``future_<s>day_<suffix>``: sum over the next ``s`` days (the short horizon),
- ``future_<n>day_<suffix>``: sum over the next ``n`` days (the analysis horizon).

:class:`PanelWindows` is the one Python place that derives those names. The studies and the report
read the windows of the build they analyse from ``marts.mart_panel_windows`` (:meth:`PanelWindows.read`),
so a build with other windows gets other names everywhere, never the defaults under a wrong name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd
import yaml

from kuairec_causal.errors import KuaiRecError

MART = "mart_panel_windows"
# dbt var -> field of PanelWindows
VARS = {"history_window_days": "history_days", "short_horizon_days": "short_horizon_days",
        "max_lead_days": "horizon_days", "min_history_days": "min_history_days"}


class _Reader(Protocol):
    def read(self, table: str, columns: list[str] | None = None) -> pd.DataFrame: ...


@dataclass(frozen=True)
class PanelWindows:
    """Window lengths in days (dbt vars in brackets): ``history_days`` (history_window_days),
    ``short_horizon_days`` (short_horizon_days), ``horizon_days`` (max_lead_days) and
    ``min_history_days`` (min_history_days, the analysis populations' minimum history)."""

    history_days: int
    short_horizon_days: int
    horizon_days: int
    min_history_days: int

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise KuaiRecError(f"panel window {name}={value!r} must be a non-negative integer")

    # -- column names -------------------------------------------------------------------------

    def prior(self, metric: str) -> str:
        """``prior_<h>day_<metric>``: the metric summed over the previous ``history_days`` days."""
        return f"prior_{self.history_days}day_{metric}"

    def short_horizon(self, suffix: str) -> str:
        """``future_<s>day_<suffix>``: summed over the next ``short_horizon_days`` days."""
        return f"future_{self.short_horizon_days}day_{suffix}"

    def horizon(self, suffix: str) -> str:
        """``future_<n>day_<suffix>``: summed over the next ``horizon_days`` days."""
        return f"future_{self.horizon_days}day_{suffix}"

    # -- sources ------------------------------------------------------------------------------

    @classmethod
    def from_vars(cls, variables: Mapping[str, object]) -> PanelWindows:
        """From dbt vars (every window var must be present)."""
        missing = [name for name in VARS if name not in variables]
        if missing:
            raise KuaiRecError(f"panel windows: var(s) {', '.join(missing)} not set")
        return cls(**{field: _integer(name, variables[name]) for name, field in VARS.items()})

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str = MART) -> PanelWindows:
        """From the one row of ``mart_panel_windows``."""
        if len(frame) != 1:
            raise KuaiRecError(f"{source}: expected one row, found {len(frame)}")
        absent = [name for name in VARS if name not in frame.columns]
        if absent:
            raise KuaiRecError(f"{source}: missing column(s) {', '.join(absent)}")
        return cls.from_vars({str(name): value for name, value in frame.iloc[0].items()})

    @classmethod
    def read(cls, reader: _Reader) -> PanelWindows:
        """The windows of the build behind ``reader`` (a mart reader), from ``mart_panel_windows``."""
        return cls.from_frame(reader.read(MART, list(VARS)))

    @classmethod
    def project_defaults(cls, project_root: Path | None = None) -> PanelWindows:
        """The windows of ``dbt_project.yml``'s vars (what a build without --vars uses)."""
        from kuairec_causal.config import find_project_root

        root = project_root or find_project_root()
        variables = yaml.safe_load((root / "dbt_project.yml").read_text())["vars"]
        return cls.from_vars(variables)


def _integer(name: str, value: object) -> int:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise KuaiRecError(f"panel window var {name}={value!r} is not a number") from None
    if not number.is_integer():
        raise KuaiRecError(f"panel window var {name}={value!r} is not a whole number of days")
    return int(number)

"""The declared schema of the warehouse's dbt vars: type, range or allowed values of each.

This is the one source of truth. ``kuairec-causal build`` checks every var against it before dbt
starts (:func:`validate_vars`); plain ``dbt build --vars ...`` is guarded by the on-run-start
macro ``validate_vars()`` in ``macros/validation/``, whose table of rules
(``macros/validation/vars_schema.sql``) is generated from this module
(``python -m kuairec_causal.vars_schema > macros/validation/vars_schema.sql``; a test keeps the
two equal). The defaults stay in ``dbt_project.yml`` (a test checks that they satisfy the schema
and that the two declare the same names).

Every message names the var, the value and the rule, on one line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import sys
from dataclasses import dataclass

from kuairec_causal.errors import ParameterError


@dataclass(frozen=True)
class VarRule:
    name: str
    kind: str  # "integer", "number", "boolean", "choice", "date", "identifier"
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    exclusive_minimum: bool = False  # minimum itself is not allowed
    exclusive_maximum: bool = False
    nullable: bool = False  # null means "not set" (e.g. build_id: plain dbt uses its invocation id)

    def rule(self) -> str:
        """The rule in words, as messages quote it."""
        if self.kind == "choice":
            return "must be one of " + ", ".join(f"'{c}'" for c in self.choices)
        if self.kind == "boolean":
            return "must be true or false"
        if self.kind == "date":
            return "must be a date written YYYY-MM-DD"
        if self.kind == "identifier":
            return "must be letters, digits, '-' or '_' (at most 64)"
        noun = "an integer" if self.kind == "integer" else "a number"
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.exclusive_minimum else '>='} {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"{'<' if self.exclusive_maximum else '<='} {self.maximum:g}")
        return f"must be {noun}" + (" " + " and ".join(bounds) if bounds else "")

    def problem(self, value: object) -> str | None:
        """Why ``value`` breaks the rule, or None when it is fine."""
        if value is None and self.nullable:
            return None
        if self.kind == "choice":
            return None if isinstance(value, str) and value in self.choices else self.rule()
        if self.kind == "boolean":
            return None if isinstance(value, bool) else self.rule()
        if self.kind == "date":
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                try:
                    dt.date.fromisoformat(value)
                    return None
                except ValueError:
                    pass
            return self.rule()
        if self.kind == "identifier":
            return None if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value) else self.rule()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self.rule()
        if self.kind == "integer" and not (isinstance(value, int) or float(value).is_integer()):
            return self.rule()
        if value != value or value in (float("inf"), float("-inf")):
            return self.rule()
        low_ok = self.minimum is None or (value > self.minimum if self.exclusive_minimum else value >= self.minimum)
        high_ok = self.maximum is None or (value < self.maximum if self.exclusive_maximum else value <= self.maximum)
        return None if low_ok and high_ok else self.rule()


def _share(name: str) -> VarRule:
    return VarRule(name, "number", 0, 1)


def _quantile(name: str) -> VarRule:
    return VarRule(name, "number", 0, 1, exclusive_minimum=True, exclusive_maximum=True)


def _positive(name: str) -> VarRule:
    return VarRule(name, "number", 0, None, exclusive_minimum=True)


def _days(name: str, minimum: int, maximum: int) -> VarRule:
    return VarRule(name, "integer", minimum, maximum)


def _treatment(prefix: str, fixed: VarRule) -> tuple[VarRule, ...]:
    return (VarRule(f"{prefix}_rule", "choice", choices=("quantile", "fixed")), _quantile(f"{prefix}_quantile"), fixed)


VAR_RULES: tuple[VarRule, ...] = (
    VarRule("interaction_matrix", "choice", choices=("small_matrix", "big_matrix")),
    VarRule("drop_exact_duplicate_rows", "boolean"),
    VarRule("data_quality_matrices", "choice", choices=("panel", "all")),
    VarRule("platform_utc_offset_hours", "integer", -12, 14),
    VarRule("release_first_date", "date"),
    VarRule("release_last_date", "date"),
    VarRule("build_id", "identifier", nullable=True),
    VarRule("register_raw_tables", "boolean"),
    _positive("high_watch_threshold"),
    _positive("complete_threshold"),
    VarRule("valid_play_min_watch_ratio", "number", 0, None),
    _positive("short_abandon_max_watch_ratio"),
    _positive("watch_ratio_cap"),
    _quantile("long_tail_quantile"),
    _days("history_window_days", 1, 28),
    _days("max_lead_days", 1, 28),
    _days("short_horizon_days", 1, 28),
    _days("min_history_days", 0, 60),
    _days("regime_window_days", 1, 28),
    *_treatment("high_intensity", VarRule("high_intensity_fixed_threshold", "number", 0, None)),
    *_treatment("high_watch_exposure", _share("high_watch_exposure_fixed_threshold")),
    *_treatment("high_discovery", _share("high_discovery_fixed_threshold")),
    _positive("recent_activity_reference_interactions"),
    VarRule("metric_validation_top_quantile_buckets", "integer", 2, 100),
    VarRule("metric_history_penalty", "number", 0, None),
    _positive("dq_max_plausible_watch_ratio"),
    VarRule("readiness_min_users", "integer", 1, None),
    VarRule("readiness_min_median_active_days", "number", 0, None),
    VarRule("readiness_min_calendar_dates", "integer", 1, None),
    _share("readiness_min_treatment_rate"),
    _share("readiness_max_treatment_rate"),
    _share("readiness_min_short_horizon_share"),
    _share("readiness_min_horizon_share"),
)
VAR_RULES_BY_NAME = {rule.name: rule for rule in VAR_RULES}

# Relations between vars: (smaller, larger, strict) -- the first must not exceed the second.
VAR_ORDER: tuple[tuple[str, str, bool], ...] = (
    ("short_horizon_days", "max_lead_days", False),
    ("readiness_min_treatment_rate", "readiness_max_treatment_rate", True),
    ("release_first_date", "release_last_date", False),
)


def closest_name(name: str, known: list[str] | tuple[str, ...]) -> str | None:
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return match[0] if match else None


def check_var(name: str, value: object, source: str = "var") -> None:
    """Raise :class:`ParameterError` naming the var, the value and the rule it breaks."""
    rule = VAR_RULES_BY_NAME.get(name)
    if rule is None:
        suggestion = closest_name(name, list(VAR_RULES_BY_NAME))
        hint = (f"; did you mean '{suggestion}'?" if suggestion
                else f"; known vars: {', '.join(sorted(VAR_RULES_BY_NAME))}")
        raise ParameterError(f"{source}: unknown var '{name}'{hint}")
    problem = rule.problem(value)
    if problem is not None:
        raise ParameterError(f"{source}: var {name} = {json.dumps(value)}: {problem}")


def validate_vars(values: dict, source: str = "var") -> dict:
    """Check every var of ``values`` (names, types, ranges, relations); returns ``values``."""
    if not isinstance(values, dict):
        raise ParameterError(f"{source}: must be a JSON object of var names and values, got {json.dumps(values)}")
    for name, value in values.items():
        check_var(str(name), value, source)
    for small, large, strict in VAR_ORDER:
        if small in values and large in values:
            a, b = values[small], values[large]
            if (a >= b) if strict else (a > b):
                relation = "<" if strict else "<="
                raise ParameterError(f"{source}: var {small} = {json.dumps(a)} must be {relation} "
                                     f"var {large} = {json.dumps(b)}")
    return values


def parse_vars_json(text: str | None, source: str = "--vars") -> dict:
    """``--vars`` text as a dict (one-line error for malformed JSON), validated."""
    if not text:
        return {}
    try:
        values = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParameterError(f"{source}: not valid JSON ({error.msg} at line {error.lineno}, "
                             f"column {error.colno})") from None
    return validate_vars(values, source)


def dbt_macro() -> str:
    """The generated dbt macro file holding the schema (see module docstring): one Jinja dict
    literal per var (JSON, which Jinja reads as is)."""
    lines = []
    for rule in VAR_RULES:
        fields = {"kind": rule.kind, "minimum": rule.minimum, "maximum": rule.maximum,
                  "choices": list(rule.choices) or None, "exclusive_minimum": rule.exclusive_minimum or None,
                  "exclusive_maximum": rule.exclusive_maximum or None, "nullable": rule.nullable or None,
                  "rule": rule.rule()}
        body = json.dumps({key: value for key, value in fields.items() if value is not None})
        lines.append(f"        {json.dumps(rule.name)}: {body},")
    order = ",\n".join(f"        {json.dumps(list(item))}" for item in VAR_ORDER)
    return (
        "{# GENERATED from python/kuairec_causal/vars_schema.py -- do not edit; regenerate with\n"
        "   python -m kuairec_causal.vars_schema > macros/validation/vars_schema.sql #}\n"
        "{% macro declared_vars() -%}\n"
        "    {{ return({\n" + "\n".join(lines) + "\n    }) }}\n"
        "{%- endmacro %}\n\n"
        "{% macro declared_var_order() -%}\n"
        "    {{ return([\n" + order + "\n    ]) }}\n"
        "{%- endmacro %}\n"
    )


if __name__ == "__main__":
    sys.stdout.write(dbt_macro())

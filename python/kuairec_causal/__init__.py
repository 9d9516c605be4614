"""kuairec-causal: a SQL-first causal analysis warehouse for the KuaiRec short-video logs."""

from __future__ import annotations

__version__ = "0.1.0"


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution (pip's name, e.g. "dbt-core"), or None."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None

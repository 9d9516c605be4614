"""Estimator tests run with progress bars silenced."""

import pytest


@pytest.fixture(autouse=True)
def _quiet_progress(monkeypatch):
    monkeypatch.setenv("KUAIREC_PROGRESS", "0")

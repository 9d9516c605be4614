"""Open report.html in Debian's headless Chromium: every image decodes, and a screenshot renders."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kuairec_causal.report.figures import FIGURES

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=10000"]

pytestmark = pytest.mark.browser


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not CHROMIUM.is_file():
        pytest.skip("headless Chromium not installed at /usr/bin/chromium (apt-get install -y chromium)")
    profile = tmp_path / "chromium-profile"
    try:
        return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=180, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_every_image_decodes_in_chromium(built_report: Path, tmp_path: Path):
    result = chromium(tmp_path, "--dump-dom", (built_report / "report.html").as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    body = re.search(r"<body[^>]*>", result.stdout)
    assert body, result.stdout[:500]
    match = re.search(r'data-images-ok="(\d+)/(\d+)"', body.group(0))
    assert match, f"the load script did not run: {body.group(0)}"
    decoded, total = int(match.group(1)), int(match.group(2))
    assert total == len(FIGURES)
    assert decoded == total


def test_screenshot_renders(built_report: Path, tmp_path: Path):
    from PIL import Image

    shot = tmp_path / "report.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,4000",
                      (built_report / "report.html").as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(shot) as image:
        assert image.size == (1400, 4000)
        # Not a blank page: the rendered report has many distinct colours.
        colours = image.convert("RGB").resize((140, 400)).getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 20

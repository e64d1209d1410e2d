"""Pages opened in Debian's headless Chromium, as a person would open them."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required in CI (.ci/run installs it)")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    return found


def browse(page: Path, *args: str) -> subprocess.CompletedProcess:
    # --no-sandbox: the tests run as root, where Chromium's own sandbox cannot start; the rest keeps a
    # browser on a machine without a network from trying to reach one
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           "--no-first-run", *args, page.as_uri()], capture_output=True, text=True, timeout=120)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script", "title")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def rendered(page: Path) -> tuple[str, list[str]]:
    """The text a reader sees on ``page`` after Chromium has loaded it (scripts, had any run, included),
    with runs of white space as one space, and the elements the page holds."""
    reader = _Text()
    reader.feed(browse(page, "--dump-dom").stdout)
    return " ".join("".join(reader.parts).split()), reader.tags

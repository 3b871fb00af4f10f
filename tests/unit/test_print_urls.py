"""What `make run` prints (scripts/print-urls) and the README's table name the same URLs."""

from __future__ import annotations

import re
import subprocess

from tests.support.servers import ROOT


def test_it_prints_the_urls_the_readme_lists():
    printed = subprocess.run(
        ["bash", str(ROOT / "scripts" / "print-urls")],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    urls = set(re.findall(r"http://127\.0\.0\.1:5000/\S*", printed))
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"\| (http://127\.0\.0\.1:5000/\S*) \|", readme))
    assert "http://127.0.0.1:5000/healthz/ready" in urls
    assert urls == table

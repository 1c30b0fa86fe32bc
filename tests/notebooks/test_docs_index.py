"""Checks on the documentation landing page: every page is linked and every link resolves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def index_links() -> list[str]:
    """Return the relative link targets of ``docs/index.md``."""
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    return [target for target in LINK.findall(text) if "://" not in target]


def test_docs_index_links_every_page() -> None:
    pages = {path.name for path in DOCS.glob("*.md")} - {"index.md"}

    linked = {Path(target).name for target in index_links() if not target.startswith("..")}

    assert sorted(pages - linked) == []


def test_docs_index_links_every_notebook() -> None:
    notebooks = {path.name for path in (ROOT / "notebooks").glob("*.ipynb")}

    linked = {Path(target).name for target in index_links() if target.endswith(".ipynb")}

    assert sorted(notebooks - linked) == []


def test_docs_index_links_resolve() -> None:
    targets = index_links()

    missing = [target for target in targets if not (DOCS / target).exists()]

    assert targets
    assert missing == []

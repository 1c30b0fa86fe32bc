"""The Python examples of docs/client.md run as written, in order, against the sandbox."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


@pytest.fixture
def restore_logger():
    logger = logging.getLogger("flowwidgets")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


async def test_client_docs_examples_run(restore_logger, capsys) -> None:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {}

    for block in blocks:
        code = compile(block, str(DOC), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(code, namespace)  # noqa: S307 - runs the repository's own examples
        if result is not None:
            await result

    output = capsys.readouterr().out
    assert len(blocks) >= 7
    assert "Web form follow-up" in output
    assert "mypurecloud.de mypurecloud.com.au" in output
    assert "404 not.found" in output
    assert "http://127.0.0.1:8765 http://127.0.0.1:8765" in output

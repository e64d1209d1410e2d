"""Writing release notebooks so that building twice gives the same bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat


def write_reproducible(nb: nbformat.NotebookNode, target: Path) -> Path:
    """Validate and write a notebook with cell ids derived from position and content.

    nbformat gives new cells random ids; deriving them instead keeps the
    committed release equal to a fresh build.
    """
    for index, cell in enumerate(nb.cells):
        cell["id"] = hashlib.sha1(f"{index}:{cell.cell_type}:{cell.source}".encode()).hexdigest()[:12]
    nbformat.validate(nb)
    nbformat.write(nb, target)
    return target

"""What each student wrote for the written parts (``written_parts`` defines the parts).

In a student's notebook, Otter wraps each written question in
``<!-- BEGIN QUESTION -->`` / ``<!-- END QUESTION -->`` comments; the
Markdown cells between the question and the end comment are the answer.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import nbformat

from ..written_parts import FIGURE_NAME, WrittenQuestion

#: What Otter puts in a written answer cell for the student to replace.
TEMPLATE_ANSWER = "_Type your answer here, replacing this text._"

_BEGIN_HTML = "<!-- BEGIN QUESTION -->"
_END_HTML = "<!-- END QUESTION -->"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class WrittenAnswer:
    """What one student wrote for one written question."""

    text: str | None  # Markdown; None when the notebook no longer has the question
    figures: tuple[bytes, ...] = ()  # PNG images of the figures the part refers to, as the student's notebook shows them

    @property
    def untouched(self) -> bool:
        """True for a missing answer, an empty one, or the template text left as it was."""
        return self.text is None or self.text.strip() in ("", TEMPLATE_ANSWER)


def student_answers(notebook: nbformat.NotebookNode, questions: list[WrittenQuestion]) -> dict[str, WrittenAnswer]:
    """What the student wrote for each written question, found by the question text Otter put before it."""
    cells = notebook.cells
    images = _figure_images(cells)
    answers = {}
    for question in questions:
        start = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"
                      and _source(c).lstrip().startswith(_BEGIN_HTML) and question.prompt in _source(c)), None)
        figures = tuple(images[name] for name in question.figures if name in images)
        if start is None:
            answers[question.name] = WrittenAnswer(None, figures)
            continue
        texts = []
        for cell in cells[start + 1:]:
            if cell.cell_type == "markdown" and _source(cell).lstrip().startswith(_END_HTML):
                break
            if cell.cell_type == "markdown":
                texts.append(_source(cell).strip())
        answers[question.name] = WrittenAnswer("\n\n".join(t for t in texts if t), figures)
    return answers


def _source(cell) -> str:
    # a cell's text; a malformed notebook can hold anything there (a number, a list of non-strings)
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(map(str, source))
    return source if isinstance(source, str) else ""


def _figure_images(cells) -> dict[str, bytes]:
    # The last PNG output of the cell that makes each figure, checked to be a PNG.
    images: dict[str, bytes] = {}
    for cell in cells:
        if cell.cell_type != "code":
            continue
        names = FIGURE_NAME.findall(_source(cell))
        pngs = [out.get("data", {}).get("image/png") for out in cell.get("outputs", [])
                if isinstance(out.get("data"), dict) and out.get("data", {}).get("image/png")]
        if not names or not pngs:
            continue
        png = _decode_png(pngs[-1])
        if png is not None:
            for name in names:
                images[name] = png
    return images


def _decode_png(data: object) -> bytes | None:
    if isinstance(data, list):
        data = "".join(map(str, data))
    if not isinstance(data, str):
        return None
    try:
        raw = base64.b64decode(data, validate=False)
    except (ValueError, TypeError):
        return None
    return raw if raw.startswith(_PNG_MAGIC) else None

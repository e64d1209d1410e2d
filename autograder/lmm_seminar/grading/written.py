"""The written parts: their questions, model answers and rubrics, and what each student wrote.

The source notebook (Otter Assign format) is the one place an instructor edits
a written question: its ``# BEGIN QUESTION`` block gives the name and points
(``manual: true``), the Markdown cell after it the question, and its solution
cell the model answer followed by a paragraph starting ``**Rubric.**``. Otter
puts solution cells in the solution notebook only, so students never see the
rubric.

In a student's notebook, Otter wraps each written question in
``<!-- BEGIN QUESTION -->`` / ``<!-- END QUESTION -->`` comments; the
Markdown cells between the question and the end comment are the answer.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..source_checks import question_config

#: What Otter puts in a written answer cell for the student to replace.
TEMPLATE_ANSWER = "_Type your answer here, replacing this text._"

_BEGIN_HTML = "<!-- BEGIN QUESTION -->"
_END_HTML = "<!-- END QUESTION -->"
_RUBRIC = re.compile(r"^\*\*Rubric\.?\*\*", re.MULTILINE)
_LABEL = re.compile(r"^\*\*(\d+[a-z])\b")
_FIGURE_NAME = re.compile(r"\b(fig_\w+)\s*(?:,[^=\n]*)?=")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class WrittenQuestion:
    """One manually graded part, as the source notebook defines it."""

    name: str  # Otter's question name, e.g. "q1b_written"
    label: str  # what students and graders call it, e.g. "1b"
    points: float
    prompt: str  # Markdown
    model_answer: str  # Markdown
    rubric: str  # Markdown; empty when the source gives none
    figures: tuple[str, ...]  # names of the figures the part refers to, e.g. ("fig_4a", "fig_4b")


@dataclass(frozen=True)
class WrittenAnswer:
    """What one student wrote for one written question."""

    text: str | None  # Markdown; None when the notebook no longer has the question
    figures: tuple[bytes, ...] = ()  # PNG images of the figures the part refers to, as the student's notebook shows them

    @property
    def untouched(self) -> bool:
        """True for a missing answer, an empty one, or the template text left as it was."""
        return self.text is None or self.text.strip() in ("", TEMPLATE_ANSWER)


def written_questions(source_notebook: Path) -> list[WrittenQuestion]:
    """Every manually graded question of the source notebook, in notebook order."""
    nb = nbformat.read(source_notebook, as_version=4)
    figures_by_part = _figure_names(nb)
    found = []
    cells = nb.cells
    for index, cell in enumerate(cells):
        config = question_config(cell)
        if not config or not config.get("manual"):
            continue
        prompt = next((c.source for c in cells[index + 1:] if c.cell_type == "markdown"), "")
        solution = _solution_markdown(cells, index)
        parts = _RUBRIC.split(solution, maxsplit=1)
        model_answer = parts[0].strip()
        rubric = parts[1].strip() if len(parts) > 1 else ""
        match = _LABEL.match(prompt.strip())
        label = match.group(1) if match else str(config["name"])
        found.append(WrittenQuestion(
            name=str(config["name"]), label=label, points=float(config.get("points", 0)), prompt=prompt.strip(),
            model_answer=model_answer, rubric=rubric, figures=_figures_for(label, figures_by_part),
        ))
    return found


def student_answers(notebook: nbformat.NotebookNode, questions: list[WrittenQuestion]) -> dict[str, WrittenAnswer]:
    """What the student wrote for each written question, found by the question text Otter put before it."""
    cells = notebook.cells
    images = _figure_images(cells)
    answers = {}
    for question in questions:
        start = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"
                      and c.source.lstrip().startswith(_BEGIN_HTML) and question.prompt in c.source), None)
        figures = tuple(images[name] for name in question.figures if name in images)
        if start is None:
            answers[question.name] = WrittenAnswer(None, figures)
            continue
        texts = []
        for cell in cells[start + 1:]:
            if cell.cell_type == "markdown" and cell.source.lstrip().startswith(_END_HTML):
                break
            if cell.cell_type == "markdown":
                texts.append(cell.source.strip())
        answers[question.name] = WrittenAnswer("\n\n".join(t for t in texts if t), figures)
    return answers


def _solution_markdown(cells, start: int) -> str:
    # The Markdown between "# BEGIN SOLUTION" and "# END SOLUTION" raw cells, before the question ends.
    inside, texts = False, []
    for cell in cells[start + 1:]:
        source = cell.source.strip()
        if cell.cell_type == "raw" and source.startswith("# END QUESTION"):
            break
        if cell.cell_type == "raw" and source.startswith("# BEGIN SOLUTION"):
            inside = True
        elif cell.cell_type == "raw" and source.startswith("# END SOLUTION"):
            inside = False
        elif inside and cell.cell_type == "markdown":
            texts.append(source)
    return "\n\n".join(texts)


def _figure_names(nb) -> dict[str, list[str]]:
    # Figure answer names by part number ("4" -> ["fig_4a", "fig_4b"]), in notebook order.
    names: dict[str, list[str]] = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            for name in _FIGURE_NAME.findall(cell.source):
                part = re.match(r"fig_(\d+)", name)
                if part and name not in names.setdefault(part.group(1), []):
                    names[part.group(1)].append(name)
    return names


def _figures_for(label: str, figures_by_part: dict[str, list[str]]) -> tuple[str, ...]:
    # The figure of the same part and letter if there is one (1b -> fig_1b), else every figure of the part (4c).
    part = re.match(r"\d+", label)
    candidates = figures_by_part.get(part.group(), []) if part else []
    own = f"fig_{label}"
    return (own,) if own in candidates else tuple(candidates)


def _figure_images(cells) -> dict[str, bytes]:
    # The last PNG output of the cell that makes each figure, checked to be a PNG.
    images: dict[str, bytes] = {}
    for cell in cells:
        if cell.cell_type != "code":
            continue
        names = _FIGURE_NAME.findall(cell.source)
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

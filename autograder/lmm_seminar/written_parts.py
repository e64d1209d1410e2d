"""The written parts: their questions, points, model answers and rubrics, as the source defines them
and as the release carries them to whoever grades.

The source notebook (Otter Assign format) is the one place an instructor edits
a written question: its ``# BEGIN QUESTION`` block gives the name and points
(``manual: true``), the Markdown cell after it the question, and its solution
cell the model answer followed by a paragraph starting ``**Rubric.**``. Otter
puts solution cells in the solution notebook only, so students never see the
rubric.

``lmm-seminar release`` writes these definitions into the autograder zip
(``WRITTEN_PARTS_FILE``), so ``review`` and ``grade --manual-scores`` need only
the release, never the source.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import nbformat

from .source_checks import question_config

#: Where the autograder zip carries the written parts (never in the student folder).
WRITTEN_PARTS_FILE = "written-parts.json"

_RUBRIC = re.compile(r"^\*\*Rubric\.?\*\*", re.MULTILINE)
_LABEL = re.compile(r"^\*\*(\d+[a-z])\b")
#: A figure answer name being set in a cell, e.g. ``fig_4a, ax = plt.subplots()``.
FIGURE_NAME = re.compile(r"\b(fig_\w+)\s*(?:,[^=\n]*)?=")


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

    @property
    def title(self) -> str:
        """How students and feedback name the part, e.g. "1b (written)"."""
        return f"{self.label} (written)"


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


def written_parts_json(questions: list[WrittenQuestion]) -> str:
    """The written parts as the release carries them (stable text: rebuilding gives the same bytes)."""
    return json.dumps({"written_parts": [asdict(q) for q in questions]}, indent=2, ensure_ascii=False) + "\n"


def written_parts_from_json(text: str) -> list[WrittenQuestion]:
    """The written parts read back from ``written_parts_json``'s text; ``ValueError`` when it is not that."""
    try:
        parts = json.loads(text)["written_parts"]
        names = {f.name for f in fields(WrittenQuestion)}
        questions = []
        for part in parts:
            if set(part) != names:
                raise ValueError(f"a written part with fields {sorted(part)}")
            questions.append(WrittenQuestion(**{**part, "points": float(part["points"]),
                                                "figures": tuple(map(str, part["figures"]))}))
        return questions
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{WRITTEN_PARTS_FILE} cannot be read ({type(error).__name__}: {error})") from None


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
            for name in FIGURE_NAME.findall(cell.source):
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

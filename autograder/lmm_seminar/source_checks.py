"""Checks on an Otter Assign source notebook, run before Otter sees it.

Otter reports some authoring slips late or not at all: a code cell that sits
outside a ``# BEGIN SOLUTION`` block is copied into the student notebook as it
is, answers and all, whether or not it carries solution markers. These checks
catch such slips (markers outside a block, and a plain cell of a question that
sets one of the answers its tests read) and name the question and the cell, so
the instructor can go straight to it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

_BLOCK = re.compile(r"#\s+(begin|end)\s+(question|solution|tests|prompt)\b", re.IGNORECASE)
_CONFIG = re.compile(r"#\s+assignment\s+config\b", re.IGNORECASE)
# Modules that exist only inside the autograder zip, never on a student's machine: the shared check
# library, and each assignment's own modules (its reference solution, probes and checks), read from its folder.
SHARED_MODULES = {"answer_checks", "answer_facts", "figure_inspection", "tolerances"}


def autograder_only_modules(assignment_folder: Path) -> set[str]:
    """The modules a hidden test may import and a public one may not: shared ones and the folder's own."""
    return SHARED_MODULES | {p.stem for p in assignment_folder.glob("*.py")}
_TEST_CONFIG = re.compile(r'^(?:\w+\s*=\s*)?"""\s*#\s*BEGIN\s+TEST\s+CONFIG\n(.*?)^"""\s*#\s*END\s+TEST\s+CONFIG', re.MULTILINE | re.DOTALL | re.IGNORECASE)

# In-cell solution markers: what Otter replaces, but only inside a solution block.
_SOLUTION_MARKER = re.compile(r"#\s*(BEGIN SOLUTION|END SOLUTION)|#\s?SOLUTION\s*$", re.MULTILINE)


class SourceNotebookError(ValueError):
    """An authoring error in a source notebook, located by question and cell."""

    def __init__(self, notebook: Path, message: str, cell: int | None = None, question: str | None = None):
        self.notebook, self.cell, self.question = notebook, cell, question
        where = []
        if question:
            where.append(f"question {question}")
        if cell is not None:
            where.append(f"cell {cell}")
        location = f" ({', '.join(where)})" if where else ""
        super().__init__(f"{notebook.name}{location}: {message}")


@dataclass
class SourceSummary:
    """What a valid source notebook contains."""

    name: str | None = None
    autograded: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    points: dict[str, float] = field(default_factory=dict)


def check_source_notebook(path: Path) -> SourceSummary:
    """Check the structure of an Otter Assign source notebook and summarise its questions.

    Raises ``SourceNotebookError`` naming the question and the (1-based) cell
    of the first problem found.
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several types for unreadable files
        raise SourceNotebookError(path, f"not a readable notebook: {error}") from None

    summary = SourceSummary()
    blocks: list[str] = []
    question: str | None = None
    has_tests = False
    given: list[tuple[int, str, str]] = []  # code cells of a question outside its blocks: number, question, source
    tested: dict[str, set[str]] = {}  # per question, the answer names its tests read

    for number, cell in enumerate(nb.cells, start=1):
        source = cell.source
        first_line = source.strip().splitlines()[0] if source.strip() else ""

        def fail(message: str) -> SourceNotebookError:
            return SourceNotebookError(path, message, number, question)

        if cell.cell_type == "raw" and _CONFIG.match(first_line):
            config = _load_yaml(source, fail)
            summary.name = config.get("name") if isinstance(config, dict) else None
            continue

        boundary = _BLOCK.match(first_line) if cell.cell_type == "raw" else None
        if boundary:
            kind, block = boundary.group(1).lower(), boundary.group(2).lower()
            if kind == "begin":
                if block == "question":
                    if blocks:
                        raise fail(f"BEGIN QUESTION inside an open {blocks[-1]} block (missing END {blocks[-1].upper()}?)")
                    config = _load_yaml(source, fail)
                    if not isinstance(config, dict) or not config.get("name"):
                        raise fail("a BEGIN QUESTION cell needs a YAML config with a name")
                    question = str(config["name"])
                    if config.get("manual") and not question.endswith("_written"):
                        raise fail(f"a written part's name ends in _written ({question}_written): graders then tell "
                                   "written parts from autograded ones in every table and file name")
                    if question in summary.points:
                        raise fail(f"the question name {question} is used twice")
                    summary.points[question] = float(config.get("points", 0) or 0)
                    (summary.manual if config.get("manual") else summary.autograded).append(question)
                    has_tests = False
                elif not blocks:
                    raise fail(f"BEGIN {block.upper()} outside a question")
                elif len(blocks) > 1:
                    raise fail(f"BEGIN {block.upper()} inside a {blocks[-1]} block")
                blocks.append(block)
            else:
                if not blocks or blocks[-1] != block:
                    open_block = blocks[-1] if blocks else "no"
                    raise fail(f"END {block.upper()} does not close the open block ({open_block} block open)")
                blocks.pop()
                if block == "question":
                    if question in summary.autograded and not has_tests:
                        raise fail("an autograded question needs at least one test (or set manual: true)")
                    question = None
            continue

        current = blocks[-1] if blocks else None
        if cell.cell_type == "code" and current != "solution" and _SOLUTION_MARKER.search(source):
            raise fail(
                "solution markers in a code cell outside a BEGIN SOLUTION block: "
                "Otter would copy this cell, answer included, into the student notebook"
            )
        if current == "solution" and cell.cell_type == "code":
            _check_in_cell_markers(source, fail)
        if current == "question" and cell.cell_type == "code":
            given.append((number, question, source))
        if current == "tests":
            if cell.cell_type != "code":
                raise fail("a tests block may hold code cells only")
            _check_test_cell(source, fail, autograder_only_modules(path.parent))
            tested.setdefault(question, set()).update(test_parameters(source))
            has_tests = True

    if blocks:
        raise SourceNotebookError(path, f"the notebook ends inside a {blocks[-1]} block", None, question)
    for number, owner, source in given:
        leaked = sorted(assigned_names(source) & tested.get(owner, set()))
        if leaked:
            raise SourceNotebookError(
                path, f"this code cell sets {', '.join(f'`{n}`' for n in leaked)}, which the question's tests read, "
                "outside a BEGIN SOLUTION block: Otter would copy it, answer included, into the student notebook "
                "(move it into the solution block, with a prompt for students)", number, owner)
    if not summary.autograded:
        raise SourceNotebookError(path, "no autograded question found")
    return summary


def question_config(cell) -> dict | None:
    """The YAML config of a ``# BEGIN QUESTION`` raw cell (name, points, manual...); None for any other cell."""
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    boundary = _BLOCK.match(first) if cell.cell_type == "raw" else None
    if not boundary or (boundary.group(1).lower(), boundary.group(2).lower()) != ("begin", "question"):
        return None
    try:
        config = yaml.safe_load(cell.source)  # the marker line is a YAML comment
    except yaml.YAMLError:
        return None
    return config if isinstance(config, dict) and config.get("name") else None


def test_case(source: str) -> tuple[bool, float, str]:
    """A test cell as Otter reads it: hidden or not, its points, and its code without the TEST CONFIG block.

    Hidden means TEST CONFIG ``hidden: true``, or, without a TEST CONFIG, a ``# HIDDEN`` first line.
    """
    match = _TEST_CONFIG.search(source)
    if not match:
        first = source.lstrip().splitlines()[0] if source.strip() else ""
        return first.startswith("#") and "hidden" in first.lower(), 0.0, source
    config = yaml.safe_load(match.group(1)) or {}
    config = config if isinstance(config, dict) else {}
    code = (source[:match.start()] + source[match.end():]).strip("\n")
    return bool(config.get("hidden")), float(config.get("points", 0) or 0), code


def test_parameters(source: str) -> set[str]:
    """The answer names a test cell's function reads (its parameters, as Otter passes them)."""
    try:
        tree = ast.parse(_TEST_CONFIG.sub("", source))
    except SyntaxError:
        return set()
    return {a.arg for node in tree.body if isinstance(node, ast.FunctionDef) for a in node.args.args if a.arg != "env"}


def assigned_names(source: str) -> set[str]:
    """The names a code cell gives a value: assignments, definitions, imports, loop and ``with`` targets.

    A name set to ``...`` or ``None`` (a blank for students to fill in) is not an answer.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics and the like: Otter copies them too, but nothing here reads as Python
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            value = node.value
            if isinstance(value, ast.Constant) and value.value in (Ellipsis, None):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            names |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            names |= {n.id for item in node.items if item.optional_vars for n in ast.walk(item.optional_vars)
                      if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.NamedExpr):
            names.add(node.target.id)
    return names


def _load_yaml(source: str, fail) -> object:
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise fail(f"invalid YAML: {error}") from None


def _check_in_cell_markers(source: str, fail) -> None:
    depth = 0
    for line in source.splitlines():
        stripped = line.rstrip()
        if re.match(r"\s*# BEGIN SOLUTION", stripped):
            depth += 1
            if depth > 1:
                raise fail("nested # BEGIN SOLUTION lines")
        elif stripped.endswith("# END SOLUTION"):
            depth -= 1
            if depth < 0:
                raise fail("# END SOLUTION without # BEGIN SOLUTION")
    if depth:
        raise fail("# BEGIN SOLUTION without # END SOLUTION")


def _check_test_cell(source: str, fail, only_in_the_zip: set[str]) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise fail(f"test cell does not parse: {error.msg} (line {error.lineno})") from None
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if len(functions) != 1:
        raise fail("a test cell holds exactly one test function (Otter's exception-based format)")
    if not _is_hidden(source):
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        only_in_zip = sorted(imported & only_in_the_zip)
        if only_in_zip:
            raise fail(
                f"a public test imports {', '.join(only_in_zip)}, which students do not have: "
                "public tests run in the student's notebook, so keep them self-contained or mark the test hidden"
            )


def _is_hidden(source: str) -> bool:
    """Whether Otter will treat a test cell as hidden (see ``test_case``)."""
    return test_case(source)[0]

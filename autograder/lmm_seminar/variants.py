"""Per-student variants: which variant each student gets, what it changes, and how grading finds it.

An assignment offers variants when its reference module says so (see ``AssignmentVariants``): how many
there are, each one's answers, its figures for the instructor, and the text to replace in the
handed-out notebook. Everything here is shared and names no assignment.

* **Bound to the student.** A student's variant is ``HMAC-SHA256(course secret, assignment, id)``
  modulo the number of variants. The secret is the instructor's, made once beside the release and
  never put in a student folder or an autograder zip; the same roster and secret give every student
  the same variant on every release, and a student added later does not move anybody else.
* **Carried to grading** as ``variants.json`` in the autograder zip (and in the nbgrader course's
  ``grading/<assignment>/``): each roster id's variant and each variant's replacements. Grading
  takes the variant from who handed in, never from the notebook; a notebook whose own variant (its
  metadata) differs is flagged for the grader.
* **Names.** A variant may rename answers (``m_308`` becomes ``m_352``); the hidden tests read the
  names of variant 0, so the grader asks the student's process for the variant's names and hands the
  values to the tests under variant 0's.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .shipped.variant_choice import VARIANT_FILE, VARIANTS_TABLE, in_their_names, substitute

#: Where the roster's variants travel in the autograder zip (and in an nbgrader course's grading/<assignment>/).
VARIANTS_FILE = VARIANTS_TABLE
#: The notebook metadata key holding the variant a student notebook was made for.
METADATA_KEY = "lmm_seminar"


class VariantError(ValueError):
    """A roster, secret or assignment the variants cannot be made from; the message says which and why."""


# --- binding a student to a variant -------------------------------------------------------------

def course_secret(path: Path) -> tuple[bytes, bool]:
    """The course secret at ``path``, made (readable by its owner only) when there is none yet.

    Returns the secret and whether it was just made, so the command can tell the instructor to keep it.
    """
    if path.is_file():
        text = path.read_text(encoding="ascii").strip()
        if len(text) < 32:
            raise VariantError(f"{path}: the course secret is too short ({len(text)} characters); delete it to make a new one")
        return text.encode("ascii"), False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    return course_secret(path)[0], True


def variant_of(secret: bytes, assignment: str, student: str, count: int) -> int:
    """The variant (0 … count-1) of ``student`` in ``assignment``: a keyed hash, the same on every release."""
    digest = hmac.new(secret, f"{assignment}\n{student}".encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % count


# --- what a variant changes in the notebook ---------------------------------------------------------

def variant_notebook(notebook, variant: int, replacements: dict[str, str]):
    """A copy of the student notebook made for ``variant``: text, scaffold and public checks replaced,
    and the variant recorded in the notebook's metadata (for the grader to compare, never to trust)."""
    import copy

    made = copy.deepcopy(notebook)
    for cell in made.cells:
        cell.source = substitute(cell.source, replacements)
    otter = made.metadata.get("otter", {})
    if isinstance(otter.get("tests"), dict):
        otter["tests"] = {q: substitute(t, replacements) for q, t in otter["tests"].items()}
    made.metadata[METADATA_KEY] = {"variant": variant}
    return made


def notebook_variant(notebook: dict) -> int | None:
    """The variant a hand-in says it was made for (its metadata), or None when it says none."""
    meta = notebook.get("metadata", {})
    value = meta.get(METADATA_KEY, {}).get("variant") if isinstance(meta, dict) and isinstance(meta.get(METADATA_KEY), dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- the assignment's side ------------------------------------------------------------------------

@dataclass
class AssignmentVariants:
    """An assignment's variants, from its reference module.

    The module offers variants by defining ``variant_answers()`` (every variant's answers, variant 0
    first, computed from its data), ``variant_figures(answers)`` (what the release reports of a
    variant) and ``notebook_substitutions(answers)`` (what to replace in the handed-out notebook). It
    is run from the assignment's folder, where it finds its data as the notebook does.
    """

    count: int
    replacements: list[dict[str, str]]
    figures: list[dict[str, object]]

    @classmethod
    def of_assignment(cls, source_dir: Path) -> AssignmentVariants | None:
        """The variants ``source_dir``'s reference module offers, or None when it offers none."""
        source_dir = source_dir.resolve()
        modules = sorted(source_dir.glob("*_reference.py"))
        if not modules:
            return None
        shipped = Path(__file__).resolve().parent / "shipped"
        with contextlib.chdir(source_dir), _on_path(source_dir, shipped):
            spec = importlib.util.spec_from_file_location(f"_variants_{source_dir.name.replace('-', '_')}", modules[0])
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if not all(hasattr(module, name) for name in ("variant_answers", "variant_figures", "notebook_substitutions")):
                return None
            answers = module.variant_answers()
        return cls(count=len(answers), replacements=[module.notebook_substitutions(a) for a in answers],
                   figures=[module.variant_figures(a) for a in answers])


@contextlib.contextmanager
def _on_path(*folders: Path):
    added = [str(f) for f in folders]
    sys.path[:0] = added
    try:
        yield
    finally:
        for folder in added:
            sys.path.remove(folder)


# --- the grader's side ----------------------------------------------------------------------------

@dataclass
class VariantTable:
    """What ``variants.json`` in an autograder zip says: each roster id's variant, each variant's replacements."""

    students: dict[str, int] = field(default_factory=dict)
    replacements: list[dict[str, str]] = field(default_factory=list)
    #: in a zip made for one variant (``variant_autograder``): that variant, whoever hands in
    only: int | None = None

    def to_json(self) -> str:
        data = {"students": dict(sorted(self.students.items())), "replacements": self.replacements}
        if self.only is not None:
            data["only"] = self.only
        return json.dumps(data, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_zip(cls, autograder_zip: Path) -> VariantTable | None:
        """The zip's table, or None for a release made without a roster (everybody gets variant 0)."""
        with zipfile.ZipFile(autograder_zip) as archive:
            if VARIANTS_FILE not in archive.namelist():
                return None
            data = json.loads(archive.read(VARIANTS_FILE).decode("utf-8"))
        return cls(students={str(k): int(v) for k, v in data["students"].items()},
                   replacements=[{str(k): str(v) for k, v in r.items()} for r in data["replacements"]],
                   only=None if data.get("only") is None else int(data["only"]))

    def student_names(self, variant: int, names: dict[str, list[str]]) -> dict[str, list[str]]:
        """For each question, the names the student's notebook of ``variant`` stores its answers under."""
        replacements = self.replacements[variant]
        return {question: [substitute(name, replacements) for name in found] for question, found in names.items()}

    def renamed(self, variant: int, names: dict[str, list[str]]) -> dict[str, str]:
        """The answers ``variant`` renames: the student's name → the tests' name (``names``: question → tests' names)."""
        theirs = self.student_names(variant, names)
        return {mine: ours for question in names for mine, ours in zip(theirs[question], names[question]) if mine != ours}


@dataclass(frozen=True)
class AssignedVariant:
    """The variant a hand-in is judged against, and what the grader should look at."""

    number: int
    #: for the grader only (summary and report), never in the student's feedback
    note: str = ""


def assigned_variant(table: VariantTable | None, student: str, notebook: dict) -> AssignedVariant:
    """The variant of whoever handed in ``notebook`` as ``student``: the roster's, never the notebook's."""
    if table is None:
        return AssignedVariant(0)
    said = notebook_variant(notebook)
    if table.only is not None:
        return AssignedVariant(table.only, "" if said in (None, table.only) else
                               f"the notebook is variant {said}'s, but this autograder judges variant {table.only} only")
    if student not in table.students:
        return AssignedVariant(0, f"{student!r} is not on the roster the variants were made from: judged against "
                                  f"variant 0 (the notebook says {'no variant' if said is None else f'variant {said}'})")
    own = table.students[student]
    if said != own:
        return AssignedVariant(own, f"the notebook is variant {'(none)' if said is None else said}'s, but {student!r} "
                                    f"was given variant {own}: a classmate's or another copy? Judged against variant {own}")
    return AssignedVariant(own)


def their_names(message: str, renamed: dict[str, str]) -> str:
    """A test's message with each answer name a variant renamed (``renamed``: the student's name → the
    tests' name) written as the student's notebook has it."""
    return in_their_names(message, {tests_name: theirs for theirs, tests_name in renamed.items()})


# --- an autograder zip for one variant, for otter run ----------------------------------------------

def renamed_parameters(source: str, replacements: dict[str, str]) -> str:
    """A test file whose functions take the variant's answer names (which Otter passes by parameter name): each
    parameter the replacements rename is renamed in the signature, and the body starts by giving the value its
    old name back, so the test's code is the same."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, str, str]] = []  # (row, col, old, new) in the signatures
    inserts: list[tuple[int, str]] = []  # (line index, text) at the start of a body
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    for node in functions:
        renames = {a.arg: substitute(a.arg, replacements) for a in node.args.args}
        renames = {old: new for old, new in renames.items() if new != old}
        if not renames:
            continue
        for arg in node.args.args:
            if arg.arg in renames:
                edits.append((arg.lineno, arg.col_offset, arg.arg, renames[arg.arg]))
        first = node.body[0]
        inserts.append((first.lineno - 1, " " * first.col_offset
                        + "; ".join(f"{old} = {new}" for old, new in renames.items()) + "\n"))
    for row, col, old, new in sorted(edits, reverse=True):  # from the end, so earlier positions stay right
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old):]
    for index, text in sorted(inserts, reverse=True):
        lines.insert(index, text)
    return "".join(lines)


def variant_autograder(autograder_zip: Path, variant: int, table: VariantTable, target: Path) -> Path:
    """A copy of ``autograder_zip`` that ``otter run`` grades a student of ``variant`` with: its tests take the
    variant's answer names, its files say which variant it is (the tests' ``assigned_variant`` reads it), and its
    ``variants.json`` has no roster, only that variant (any engine given it judges every hand-in as that variant)."""
    from .release import ZIP_EPOCH

    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(autograder_zip) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            data = source.read(info)
            if info.filename == VARIANTS_FILE:  # this zip judges one variant, whoever hands in
                data = VariantTable(replacements=table.replacements, only=variant).to_json().encode()
            elif info.filename.startswith("tests/") and info.filename.endswith(".py"):
                data = renamed_parameters(data.decode("utf-8"), table.replacements[variant]).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            out.writestr(entry, data)
        entry = zipfile.ZipInfo(f"files/{VARIANT_FILE}", date_time=ZIP_EPOCH)
        entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
        out.writestr(entry, f"{variant}\n")
    return target

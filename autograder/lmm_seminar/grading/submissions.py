"""Find submissions and turn each into one gradable notebook, or a clear reason why not.

A submission is a ``.ipynb`` notebook or the ``.zip`` that ``grader.export()``
makes. Every file found becomes exactly one row of the grade table, so
problems (invalid JSON, an empty notebook, a zip without a notebook) are
recorded here as reasons instead of being raised.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

SUBMISSION_SUFFIXES = (".ipynb", ".zip")
#: Largest notebook read (the seminar's, with every figure, is under 1 MB): stops zip bombs and runaway outputs.
MAX_NOTEBOOK_BYTES = 50 * 1024**2
_SKIPPED_DIRS = {".ipynb_checkpoints", "__pycache__", "__MACOSX"}


@dataclass(frozen=True)
class Submission:
    """One submitted file and the name its row and feedback file go under."""

    id: str
    path: Path


class SubmissionProblem(Exception):
    """The submission cannot be graded; the message says why, for the grade table."""


def check_paths(paths: list[Path]) -> None:
    """Refuse a path that does not exist before anything slow (such as building the release) starts."""
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")


def find_submissions(paths: list[Path], assignment: str | None = None) -> list[Submission]:
    """Every submission under ``paths`` (files or folders, searched recursively), with unique ids.

    A submission's id is its file name without the extension (``alice.ipynb`` is
    ``alice``), unless that name is only the assignment's (``assignment``, as handed
    out or as ``grader.export()`` names its zip), which says nothing about who handed
    it in. Such a file is named after the outermost folder below the searched folder
    that holds no other submission: ``submissions/alice/sleepstudy-lmm.ipynb`` is
    ``alice``, and so is nbgrader's ``submitted/alice/sleepstudy-lmm/sleepstudy-lmm.ipynb``
    (or ``<folder>_<file>`` when its folder holds other submissions too).

    Ids are safe file names of at most ``MAX_ID_BYTES`` bytes and unique, also when
    compared without case (feedback files must not overwrite each other on any file
    system): a clash gets ``-2``, ``-3``... in path order, never an id another file has
    by its own name. Raises ``FileNotFoundError`` for a path that does not exist.
    """
    check_paths(paths)
    found: list[tuple[Path, str]] = []  # each file with the name it goes by, before ids are made unique
    for path in paths:
        if not path.is_dir():
            found.append((path, path.stem))
            continue
        files = [p for p in sorted(path.rglob("*"))
                 if p.is_file() and p.suffix.lower() in SUBMISSION_SUFFIXES
                 and not _SKIPPED_DIRS.intersection(p.relative_to(path).parts)
                 and not p.name.startswith(".")]
        folders = [p.relative_to(path).parts[:-1] for p in files]
        per_folder = Counter(folder[:depth] for folder in folders for depth in range(1, len(folder) + 1))
        for file, folder in zip(files, folders):
            if not folder or not _is_assignment_name(file.stem, assignment):
                found.append((file, file.stem))
                continue
            alone_in = next((depth for depth in range(1, len(folder) + 1) if per_folder[folder[:depth]] == 1), None)
            found.append((file, folder[alone_in - 1] if alone_in else f"{folder[-1]}_{file.stem}"))

    unique: dict[Path, str] = {}
    for file, name in found:  # the same file named twice counts once
        unique.setdefault(file, _safe_name(name))
    own_names = {name.casefold() for name in unique.values()}
    taken: set[str] = set()
    submissions = []
    for file, name in unique.items():
        submission_id, number = name, 1
        while submission_id.casefold() in taken or (number > 1 and submission_id.casefold() in own_names):
            number += 1
            submission_id = _bounded(name, suffix=f"-{number}")
        taken.add(submission_id.casefold())
        submissions.append(Submission(submission_id, file))
    return submissions


def prepare_notebook(submission: Submission, workdir: Path) -> Path:
    """Check the submission and return the path of the notebook to grade.

    A zip is unpacked into ``workdir`` and must hold exactly one notebook
    (Otter's export log and other files are ignored). Raises
    ``SubmissionProblem`` with a reason a grader can pass on to the student.
    """
    path = submission.path
    suffix = path.suffix.lower()
    if suffix == ".zip":
        notebook = _unpack_zip(path, workdir)
    elif suffix == ".ipynb":
        notebook = path
    else:
        raise SubmissionProblem(f"{path.name} is not a notebook (.ipynb) or an exported zip")
    _check_notebook(notebook)
    return notebook


def _unpack_zip(path: Path, workdir: Path) -> Path:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist()
                     if n.lower().endswith(".ipynb") and not _SKIPPED_DIRS.intersection(Path(n).parts)]
            if not names:
                raise SubmissionProblem("the zip holds no notebook (.ipynb); export it again with grader.export()")
            if len(names) > 1:
                raise SubmissionProblem(f"the zip holds {len(names)} notebooks ({', '.join(sorted(names))}); hand in one")
            info = archive.getinfo(names[0])
            if info.file_size > MAX_NOTEBOOK_BYTES:
                raise SubmissionProblem(f"the notebook in the zip is too large ({info.file_size / 1024**2:.0f} MB unpacked; "
                                        f"at most {MAX_NOTEBOOK_BYTES // 1024**2} MB): clear large outputs and export again")
            target = workdir / Path(names[0]).name  # the name only: entries with ../ land here too
            with archive.open(info) as source:  # read no more than the limit, whatever the header claims
                data = source.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                raise SubmissionProblem("the notebook in the zip is too large: clear large outputs and export again")
            target.write_bytes(data)
            return target
    except zipfile.BadZipFile:
        raise SubmissionProblem("not a valid zip file (damaged or not a zip)") from None


def _check_notebook(path: Path) -> None:
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise SubmissionProblem(f"the notebook is too large (over {MAX_NOTEBOOK_BYTES // 1024**2} MB): clear large outputs and hand it in again")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SubmissionProblem("the notebook is not a text file (UTF-8 JSON)") from None
    if not text.strip():
        raise SubmissionProblem("the notebook file is empty (0 bytes of content)")
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise SubmissionProblem(f"the notebook is not valid JSON (line {error.lineno}: {error.msg}); it may be damaged") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several types for malformed notebooks
        raise SubmissionProblem(f"not a Jupyter notebook: {error}") from None
    if not any(cell.cell_type == "code" and cell.source.strip() for cell in nb.cells):
        raise SubmissionProblem("the notebook has no code to run (empty notebook)")


def _is_assignment_name(stem: str, assignment: str | None) -> bool:
    # the notebook as handed out, or the zip grader.export() makes of it ("<name>_<date and time>")
    if not assignment:
        return False
    stem, assignment = stem.casefold(), assignment.casefold()
    return stem == assignment or bool(re.fullmatch(re.escape(assignment) + r"_\d[\w-]*", stem))


#: Longest id in bytes: feedback and result file names add up to 5 bytes, and file systems allow 255.
MAX_ID_BYTES = 120


def _safe_name(stem: str) -> str:
    """A file-system-safe version of a name, for feedback file names and the table."""
    cleaned = re.sub(r"[^\w.@+-]+", "_", stem).strip("._")
    return _bounded(cleaned or "submission")


def _bounded(name: str, suffix: str = "") -> str:
    """``name`` + ``suffix`` in at most ``MAX_ID_BYTES`` bytes of UTF-8; a name cut short ends with a
    short hash of the whole name, so two long names that start alike stay apart."""
    if len((name + suffix).encode()) <= MAX_ID_BYTES:
        return name + suffix
    tag = "~" + hashlib.sha256(name.encode()).hexdigest()[:8] + suffix
    kept = name.encode()[:MAX_ID_BYTES - len(tag.encode())].decode("utf-8", errors="ignore")
    return kept + tag

"""Find submissions and turn each into one gradable notebook, or a clear reason why not.

A submission is a ``.ipynb`` notebook or the ``.zip`` that ``grader.export()``
makes. Every file found becomes exactly one row of the grade table, so
problems (invalid JSON, an empty notebook, a zip without a notebook) are
recorded here as reasons instead of being raised.
"""

from __future__ import annotations

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


def find_submissions(paths: list[Path]) -> list[Submission]:
    """Every submission under ``paths`` (files or folders, searched recursively), with unique ids.

    The id is the file name without its extension; when two files share one
    (``alice.ipynb`` and ``alice.zip``, or two folders with ``alice.ipynb``) the
    later ones get ``-2``, ``-3``... in path order, so no grade overwrites another.
    Raises ``FileNotFoundError`` for a path that does not exist.
    """
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        if path.is_dir():
            files.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in SUBMISSION_SUFFIXES
                and not _SKIPPED_DIRS.intersection(p.relative_to(path).parts)
                and not p.name.startswith(".")
            )
        else:
            files.append(path)

    seen: Counter[str] = Counter()
    submissions = []
    for file in dict.fromkeys(files):  # the same file named twice counts once
        stem = _safe_name(file.stem)
        seen[stem] += 1
        submission_id = stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"
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


def _safe_name(stem: str) -> str:
    """A file-system-safe version of a name, for feedback file names and the table."""
    cleaned = re.sub(r"[^\w.@+-]+", "_", stem).strip("._")
    return cleaned or "submission"

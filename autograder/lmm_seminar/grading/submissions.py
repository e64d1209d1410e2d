"""Find submissions and turn each into one gradable notebook, or a clear reason why not.

A submission is a ``.ipynb`` notebook or the ``.zip`` that ``grader.export()``
makes. Every file found becomes exactly one row of the grade table, so
problems (invalid JSON, an empty notebook, a zip without a notebook) are
recorded here as reasons instead of being raised.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import stat
import struct
import unicodedata
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


@dataclass(frozen=True)
class FoundFile:
    """A hand-in file, and the folders between the searched folder and it (empty for a file given by name)."""

    path: Path
    folder: tuple[str, ...]


def find_files(paths: list[Path]) -> list[FoundFile]:
    """Every hand-in file under ``paths`` (files or folders, searched recursively), in path order.

    Raises ``FileNotFoundError`` for a path that does not exist.
    """
    check_paths(paths)
    found: list[FoundFile] = []
    for path in paths:
        if not path.is_dir():
            found.append(FoundFile(path, ()))
            continue
        files = [p for p in sorted(path.rglob("*"))
                 if (p.is_file() or p.is_symlink()) and p.suffix.lower() in SUBMISSION_SUFFIXES
                 and not _SKIPPED_DIRS.intersection(p.relative_to(path).parts)
                 and not p.name.startswith(".")]
        found += [FoundFile(p, p.relative_to(path).parts[:-1]) for p in files]
    return found


def name_submissions(files: list[FoundFile], assignment: str | None = None, taken: set[str] | None = None) -> list[Submission]:
    """The files as submissions with unique ids, none of them among ``taken``.

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
    by its own name.
    """
    per_folder = Counter(f.folder[:depth] for f in files for depth in range(1, len(f.folder) + 1))
    found: list[tuple[Path, str]] = []  # each file with the name it goes by, before ids are made unique
    for file in files:
        folder = file.folder
        if not folder or not _is_assignment_name(file.path.stem, assignment):
            found.append((file.path, file.path.stem))
            continue
        alone_in = next((depth for depth in range(1, len(folder) + 1) if per_folder[folder[:depth]] == 1), None)
        found.append((file.path, folder[alone_in - 1] if alone_in else f"{folder[-1]}_{file.path.stem}"))

    unique: dict[Path, str] = {}
    for file, name in found:  # the same file named twice counts once
        # one spelling per name: "é" typed as one character (NFC) or as e and an accent (NFD) is one id
        unique.setdefault(file, _safe_name(unicodedata.normalize("NFC", name)))
    own_names = {name.casefold() for name in unique.values()}
    taken = {name.casefold() for name in taken or ()}
    submissions = []
    for file, name in unique.items():
        submission_id, number = name, 1
        while submission_id.casefold() in taken or (number > 1 and submission_id.casefold() in own_names - taken):
            number += 1
            submission_id = _bounded(name, suffix=f"-{number}")
        taken.add(submission_id.casefold())
        submissions.append(Submission(submission_id, file))
    return submissions


def notebook_assignment(notebook: dict) -> str | None:
    """The assignment a notebook's Otter metadata names (the parsed JSON of the notebook), or None."""
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    otter = metadata.get("otter") if isinstance(metadata, dict) else None
    name = otter.get("assignment_name") if isinstance(otter, dict) else None
    return None if name is None or name == "" else str(name)


def handed_in_assignment(path: Path) -> str:
    """The assignment a hand-in's notebook belongs to, from its Otter metadata.

    Raises ``SubmissionProblem`` for a file that cannot be read (the same reasons as
    grading gives) or that names no assignment.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lmm-route-") as tmp:
        notebook = prepare_notebook(Submission("", path), Path(tmp))
        name = notebook_assignment(json.loads(notebook.read_text(encoding="utf-8")))
    if name is None:
        raise SubmissionProblem("the notebook names no assignment (its Otter metadata is gone): hand in the "
                                "notebook you were given, filled in")
    return name


def route_submissions(paths: list[Path], assignments: list[str], default: str | None = None
                      ) -> tuple[dict[str, list[Submission]], list[tuple[Submission, str]]]:
    """The hand-ins under ``paths`` by the assignment their notebook belongs to, with ids unique per assignment;
    and those that belong to none of ``assignments``, each with the reason (ids unlike any other).

    A notebook that names no assignment, or cannot be read, goes to ``default`` when one is given
    (grading it gives the reason it cannot be graded), else it belongs to none.
    """
    files = find_files(paths)
    groups: dict[str, list[FoundFile]] = {name: [] for name in assignments}
    unmatched: dict[str | None, list[tuple[FoundFile, str]]] = {}  # by the assignment the notebook names, if any
    for file in files:
        try:
            name = handed_in_assignment(file.path)
        except SubmissionProblem as problem:
            if default is not None:
                groups[default].append(file)
            else:
                unmatched.setdefault(None, []).append((file, str(problem)))
            continue
        if name in groups:
            groups[name].append(file)
        else:
            unmatched.setdefault(name, []).append((file, f"this notebook is for assignment {name[:80]!r}, which is not "
                                                         f"in this release ({', '.join(assignments)})"))
    routed = {name: name_submissions(group, name) for name, group in groups.items()}
    taken = {s.id for group in routed.values() for s in group}
    refused: list[tuple[Submission, str]] = []
    for claimed, entries in unmatched.items():  # named as their own assignment's hand-ins, unlike any other id
        named = name_submissions([file for file, _ in entries], claimed, taken=taken)
        taken |= {s.id for s in named}
        refused += [(submission, reason) for submission, (_, reason) in zip(named, entries)]
    return routed, sorted(refused, key=lambda pair: str(pair[0].path))


def assignment_submissions(paths: list[Path], assignment: str) -> tuple[list[Submission], list[tuple[Submission, str]]]:
    """One assignment's hand-ins under ``paths`` (ids among them only), and the hand-ins of other assignments,
    each with the reason; ``grade`` and ``review`` both name hand-ins this way, so their ids agree."""
    routed, others = route_submissions(paths, [assignment], default=assignment)
    return routed[assignment], others


def lookalike_ids(ids: list[str]) -> list[list[str]]:
    """Groups of two or more ids that look the same to a reader (``alice`` and ``аlice`` with a Cyrillic а).

    Ids are unique, but a grader who reads them could take one for another; the
    summary and the review pages name such groups. Two ids look alike when their
    Unicode confusable skeletons (the ``confusable_homoglyphs`` data, after NFKC
    and case folding) are equal.
    """
    groups: dict[str, list[str]] = {}
    for submission_id in ids:
        groups.setdefault(_skeleton(submission_id), []).append(submission_id)
    return [sorted(group) for group in groups.values() if len(group) > 1]


def _skeleton(text: str) -> str:
    from confusable_homoglyphs import confusables

    out = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        found = confusables.is_confusable(char, preferred_aliases=["latin", "common"], greedy=True) or []
        latin = [glyph["c"] for entry in found for glyph in entry["homoglyphs"] if glyph["c"].isascii()]
        out.append(latin[0].casefold() if latin else char)
    return "".join(out)


def prepare_notebook(submission: Submission, workdir: Path) -> Path:
    """Check the submission and return the path of the notebook to grade: a copy in ``workdir``.

    A zip is unpacked into ``workdir`` and must hold exactly one notebook
    (Otter's export log and other files are ignored). The hand-in must be a
    file of its own: a symbolic link, or a file with other hard links (which
    could be the release's solution or a classmate's notebook), is refused.
    Raises ``SubmissionProblem`` with a reason a grader can pass on to the student.
    """
    path = submission.path
    suffix = path.suffix.lower()
    if suffix not in SUBMISSION_SUFFIXES:
        raise SubmissionProblem(f"{path.name} is not a notebook (.ipynb) or an exported zip")
    data = _read_own_file(path, MAX_ZIP_BYTES if suffix == ".zip" else MAX_NOTEBOOK_BYTES)
    if suffix == ".zip":
        notebook = _unpack_zip(io.BytesIO(data), workdir)
    else:
        notebook = workdir / "hand-in.ipynb"
        notebook.write_bytes(data)
    _check_notebook(notebook)
    return notebook


#: Largest exported zip read: the notebook's own limit and room for the export's few other files.
MAX_ZIP_BYTES = MAX_NOTEBOOK_BYTES + 10 * 1024**2
#: Most entries an exported zip may hold (grader.export() writes the notebook, a log and a few files);
#: reading the directory of a zip with 800,000 entries alone takes the grader 20 s and 240 MiB.
MAX_ZIP_ENTRIES = 1000


def _read_own_file(path: Path, most: int) -> bytes:
    """The bytes of a hand-in that is a regular file of its own, read through one descriptor
    (no link followed, so what is checked is what is read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SubmissionProblem(f"{path.name} is a symbolic link, not a file of its own: hand in the notebook itself") from None
        raise SubmissionProblem(f"{path.name} could not be opened ({error.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionProblem(f"{path.name} is not a regular file")
        if info.st_nlink > 1:
            raise SubmissionProblem(f"{path.name} is one of {info.st_nlink} hard links to the same file (which may be "
                                    "another student's or the release's): hand in a file of your own")
        if info.st_size > most:
            raise SubmissionProblem(f"{path.name} is too large ({info.st_size / 1024**2:.0f} MB; at most "
                                    f"{most // 1024**2} MB): clear large outputs and hand it in again")
        data = f.read(most + 1)
    if len(data) > most:
        raise SubmissionProblem(f"{path.name} is too large (over {most // 1024**2} MB)")
    return data


def _zip_entry_count(data: io.BytesIO) -> int | None:
    """How many entries a zip's end record announces, read before its directory is parsed.

    zipfile reads the whole central directory when it opens an archive (seconds
    for a crafted zip); its ``_EndRecData`` reads only the end record. It is
    private, but has kept its name and result layout since Python 2; should it go,
    the bound falls back to the entries counted after opening.
    """
    finder = getattr(zipfile, "_EndRecData", None)
    if finder is None:
        return None
    try:
        record = finder(data)
    except (OSError, ValueError, struct.error):
        return None
    data.seek(0)
    return None if not record else int(record[getattr(zipfile, "_ECD_ENTRIES_TOTAL", 4)])


def _unpack_zip(data: io.BytesIO, workdir: Path) -> Path:
    announced = _zip_entry_count(data)
    if announced is not None and announced > MAX_ZIP_ENTRIES:
        raise SubmissionProblem(f"the zip holds {announced} entries (at most {MAX_ZIP_ENTRIES}): "
                                "export the notebook again with grader.export()")
    try:
        with zipfile.ZipFile(data) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise SubmissionProblem(f"the zip holds {len(entries)} entries (at most {MAX_ZIP_ENTRIES}): "
                                        "export the notebook again with grader.export()")
            names = [e.filename for e in entries
                     if e.filename.lower().endswith(".ipynb") and not _SKIPPED_DIRS.intersection(Path(e.filename).parts)]
            if not names:
                raise SubmissionProblem("the zip holds no notebook (.ipynb); export it again with grader.export()")
            if len(names) > 1:
                listed = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
                raise SubmissionProblem(f"the zip holds {len(names)} notebooks ({listed}); hand in one")
            info = archive.getinfo(names[0])
            if info.file_size > MAX_NOTEBOOK_BYTES:
                raise SubmissionProblem(f"the notebook in the zip is too large ({info.file_size / 1024**2:.0f} MB unpacked; "
                                        f"at most {MAX_NOTEBOOK_BYTES // 1024**2} MB): clear large outputs and export again")
            target = workdir / "hand-in.ipynb"  # never the entry's own name (../, or longer than a file name may be)
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
    except RecursionError:
        raise SubmissionProblem("the notebook's JSON is nested too deeply to read; it may be damaged") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several types for malformed notebooks
        raise SubmissionProblem(f"not a Jupyter notebook: {str(error)[:300]}") from None
    for number, cell in enumerate(nb.cells, start=1):
        if not isinstance(cell.get("source"), str) or not isinstance(cell.get("cell_type"), str):
            raise SubmissionProblem(f"cell {number} of the notebook is malformed (its source is not text); it may be damaged")
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

"""Build a release: source notebook → student notebook, solution notebook, autograder zip.

Otter Assign does the real work. Around it this module:

* checks the source notebook first (``source_checks``), so authoring slips are
  reported by question and cell;
* stages the source folder together with the modules the hidden tests import
  (the reference solution and the ``shipped`` helpers), so they travel inside
  the autograder zip and never into the student folder;
* lays the output out as ``<out>/<name>/{student,solution,autograder}`` with a
  stable zip name, and makes every file byte-for-byte reproducible (cell ids,
  zip timestamps and entry order are normalised);
* makes the zip grade with this project on Gradescope: Otter's ``run_autograder``
  and ``setup.sh`` are replaced by ours, which install the project's own wheel
  (built here) under ``constraints.txt`` and call ``lmm-seminar gradescope``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .answer_cells import ANSWER_CELLS_FILE, answer_cells_json, answer_cells_of
from .nbgrader_course import CourseError, build_course
from .notebook_files import write_reproducible
from .source_checks import SourceNotebookError, SourceSummary, check_source_notebook
from .shipped import answer_checks, answer_facts, figure_inspection, tolerances, variant_choice
from .roster import read_roster
from .variants import (VARIANTS_FILE, AssignmentVariants, VariantError, VariantTable, course_secret, variant_autograder,
                       variant_notebook, variant_of)
from .written_parts import WRITTEN_PARTS_FILE, written_parts_json, written_questions

#: A fixed timestamp for zip entries (the earliest a zip can hold), so rebuilding gives the same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: The same moment for the wheel's entries, as SOURCE_DATE_EPOCH (seconds since 1970).
WHEEL_EPOCH = "315532800"
#: Otter's files for its own runner on Gradescope, which ours replace (``otter run`` reads neither).
OTTER_GRADESCOPE_FILES = ("run_otter.py", "environment.yml")
#: Where the project's wheel and pinned requirements travel in the zip.
PROJECT_FOLDER = "lmm-seminar"
TEMPLATES = Path(__file__).resolve().parent / "templates"

_PROMPT_BLOCK = re.compile(r'^""" # BEGIN PROMPT\n.*?^""" # END PROMPT\n?', re.MULTILINE | re.DOTALL)
_MARKER_LINE = re.compile(r"^[ \t]*# (BEGIN|END) SOLUTION( NO PROMPT)?[ \t]*\n?", re.MULTILINE)
#: A roster id that can name a student's folder of the release as it is.
_FOLDER_SAFE_ID = re.compile(r"[A-Za-z0-9@+_-][A-Za-z0-9.@+_-]{0,99}")
#: The course secret's default place: beside the release (``.gitignore`` keeps it out of the repository).
SECRET_NAME = ".course-secret"


class ReleaseError(RuntimeError):
    """The release could not be built; the message says why and where."""


@dataclass
class AssignmentRelease:
    """Where one assignment's release was written."""

    name: str
    root: Path
    student_notebook: Path
    solution_notebook: Path
    autograder_zip: Path
    summary: SourceSummary
    files: list[Path] = field(default_factory=list)
    #: with a roster, for an assignment that offers variants: each student's variant
    variants: VariantTable | None = None
    #: with a roster: each student's own folder (their notebook and the data)
    student_folders: dict[str, Path] = field(default_factory=dict)


@dataclass
class Roster:
    """The students a release is made for, and the course secret that binds each one to a variant."""

    students: list[str]
    secret: bytes
    secret_path: Path
    secret_made: bool

    @classmethod
    def read(cls, roster: Path, secret_path: Path) -> Roster:
        students = read_roster(roster)
        for student in students:
            if not _FOLDER_SAFE_ID.fullmatch(student.id):
                raise VariantError(f"{roster}, line {student.line}: id {student.id!r} cannot name a student's folder "
                                   f"(letters, digits and . @ + _ - only, up to 100, not starting with a dot)")
        secret, made = course_secret(secret_path)
        return cls([s.id for s in students], secret, secret_path, made)


def shipped_modules() -> list[Path]:
    """The shared check library, shipped inside every assignment's autograder zip."""
    return [Path(m.__file__) for m in (answer_checks, answer_facts, figure_inspection, tolerances, variant_choice)]


def assignment_modules(source_dir: Path) -> list[Path]:
    """An assignment's own modules (its reference solution, probes and checks), from its folder."""
    return sorted(source_dir.glob("*.py"))


def find_sources(source_root: Path) -> list[Path]:
    """Every assignment folder under ``source_root``: a folder holding ``<folder name>.ipynb``."""
    if not source_root.is_dir():
        raise ReleaseError(f"no source folder at {source_root}")
    found = sorted(p for p in source_root.iterdir() if (p / f"{p.name}.ipynb").is_file())
    if not found:
        raise ReleaseError(f"no assignment under {source_root} (expected <name>/<name>.ipynb)")
    return found


def build_release(source_root: Path, out_root: Path, only: str | None = None,
                  roster: Roster | None = None) -> list[AssignmentRelease]:
    """Build every assignment under ``source_root`` into ``out_root`` (or only the one named ``only``);
    with a ``roster``, also one notebook per student, of the variant bound to them."""
    sources = find_sources(source_root)
    if only is not None:
        sources = [s for s in sources if s.name == only]
        if not sources:
            raise ReleaseError(f"no assignment {only!r} under {source_root} (there are: "
                               f"{', '.join(s.name for s in find_sources(source_root))})")
    with tempfile.TemporaryDirectory(prefix="lmm-wheel-") as wheels:
        project = gradescope_project_files(Path(wheels))
        return [build_assignment(source, out_root, project, roster) for source in sources]


def project_root() -> Path:
    """The checkout this package runs from (the release builds the project's wheel from it)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file() or not (root / "constraints.txt").is_file():
        raise ReleaseError(f"`lmm-seminar release` builds the project's wheel for the Gradescope zip, so it runs from a "
                           f"checkout of the project (pip install -e .); {root} has no pyproject.toml and constraints.txt")
    return root


def build_wheel(root: Path, out: Path) -> Path:
    """The project's wheel, built by pip from a clean copy of the package in ``root``, the same bytes on every build."""
    stage = out / "project"
    stage.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(root / name, stage / name)
    shutil.copytree(root / "autograder" / "lmm_seminar", stage / "autograder" / "lmm_seminar",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), copy_function=shutil.copyfile)
    for path in stage.rglob("*"):  # the wheel records each file's mode: the same whatever this machine's umask
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    env = {**os.environ, "SOURCE_DATE_EPOCH": WHEEL_EPOCH, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(stage)],
                           capture_output=True, text=True, env=env, cwd=out)
    wheels = sorted(out.glob("lmm_seminar-*.whl"))
    if built.returncode != 0 or len(wheels) != 1:
        raise ReleaseError(f"could not build the project's wheel for the Gradescope zip: {(built.stderr or built.stdout).strip()[-800:]}")
    return wheels[0]


def gradescope_project_files(out: Path) -> dict[str, tuple[bytes, bool]]:
    """What the zip needs to grade on Gradescope with this project: zip entry → (content, executable)."""
    root = project_root()
    wheel = build_wheel(root, out)
    return {
        "run_autograder": ((TEMPLATES / "gradescope-run_autograder").read_bytes(), True),
        "setup.sh": ((TEMPLATES / "gradescope-setup.sh").read_bytes(), True),
        f"{PROJECT_FOLDER}/{wheel.name}": (wheel.read_bytes(), False),
        f"{PROJECT_FOLDER}/constraints.txt": ((root / "constraints.txt").read_bytes(), False),
    }


def build_assignment(source_dir: Path, out_root: Path, project: dict[str, tuple[bytes, bool]],
                     roster: Roster | None = None) -> AssignmentRelease:
    """Build one assignment's student, solution and autograder outputs under ``out_root/<name>``; ``project``
    is what every zip carries to grade on Gradescope (``gradescope_project_files``, built once per release).
    With a ``roster`` and an assignment that offers variants, each student's notebook too."""
    name = source_dir.name
    master = source_dir / f"{name}.ipynb"
    summary = check_source_notebook(master)
    if summary.name != name:
        raise SourceNotebookError(master, f"the ASSIGNMENT CONFIG name is {summary.name!r}; it must be the folder name {name!r}")

    with tempfile.TemporaryDirectory(prefix=f"{name}-build-") as tmp:
        stage = Path(tmp) / name
        shutil.copytree(source_dir, stage, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for module in shipped_modules():
            shutil.copy2(module, stage / module.name)
        built = Path(tmp) / "built"
        _run_otter_assign(stage / master.name, built)

        root = out_root / name
        if root.exists():
            shutil.rmtree(root)
        release = AssignmentRelease(
            name=name,
            root=root,
            student_notebook=root / "student" / master.name,
            solution_notebook=root / "solution" / master.name,
            autograder_zip=root / "autograder" / f"{name}-autograder.zip",
            summary=summary,
        )
        release.files += _write_student(built / "student", root / "student", master.name)
        release.files.append(_write_solution(built / "autograder" / master.name, release.solution_notebook))
        (zip_path,) = (built / "autograder").glob(f"{name}-autograder*.zip")
        # what grading needs beyond Otter's tests travels in the zip: the written parts, their model answers and
        # rubrics, and which cell answers each autograded part (where a part is judged when its check cell is gone)
        answer_cells = answer_cells_json(*(answer_cells_of(nbformat.read(notebook, as_version=4))
                                           for notebook in (release.student_notebook, release.solution_notebook)))
        carried = {WRITTEN_PARTS_FILE: (written_parts_json(written_questions(master)).encode(), False),
                   ANSWER_CELLS_FILE: (answer_cells.encode(), False)}
        carried.update(project)
        offered = AssignmentVariants.of_assignment(source_dir) if roster is not None else None
        if offered is not None:
            release.variants = VariantTable(
                students={student: variant_of(roster.secret, name, student, offered.count) for student in roster.students},
                replacements=offered.replacements)
            carried[VARIANTS_FILE] = (release.variants.to_json().encode(), False)
        requirements = source_dir / "requirements.txt"  # what students may import, installed by setup.sh too
        if requirements.is_file():
            carried[f"{PROJECT_FOLDER}/requirements.txt"] = (requirements.read_bytes(), False)
        release.files.append(_write_zip(zip_path, release.autograder_zip, carried))

    _check_student_is_clean(release)
    if offered is not None:
        release.files += _write_student_variants(release, offered)
        # for `otter run`, which cannot be told whose hand-in it grades: one zip per variant handed out
        for k in sorted(set(release.variants.students.values())):
            release.files.append(variant_autograder(release.autograder_zip, k, release.variants,
                                                    release.autograder_zip.parent / "variants" / f"{name}-variant-{k}.zip"))
    # the same assignment as an nbgrader course, beside the Otter release
    try:
        release.files += build_course(source_dir, out_root, shipped_modules(), assignment_modules(source_dir),
                                      release.variants)
    except CourseError as error:
        raise ReleaseError(str(error)) from None
    return release


def _run_otter_assign(master: Path, result: Path) -> None:
    """Run Otter Assign (which also grades the solution against every test) and explain failures."""
    from otter.assign import main as otter_assign

    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), _quiet_kernels():
            otter_assign(str(master), str(result), no_pdfs=True)
    except RuntimeError as error:
        if "autograder tests failed" in str(error):
            raise ReleaseError(
                f"{master.name}: the solution does not pass its own tests; fix the solution or the test.\n{error}"
            ) from None
        raise ReleaseError(f"{master.name}: Otter Assign failed: {error}") from None
    except Exception as error:  # Otter raises assorted types for authoring errors
        raise ReleaseError(f"{master.name}: Otter Assign failed: {type(error).__name__}: {error}") from None


@contextlib.contextmanager
def _quiet_kernels():
    """Kernels started meanwhile (Otter Assign runs the solution in one) log errors only.

    ipykernel warns on its own stderr, straight to the terminal, that it talks to its client over
    local TCP; nothing in a release can act on that. Its other messages stay.
    """
    from unittest import mock  # the standard library's way to set an environment variable and put it back

    with tempfile.TemporaryDirectory(prefix="lmm-ipython-") as folder:
        profile = Path(folder) / "profile_default"
        profile.mkdir()
        (profile / "ipython_kernel_config.py").write_text('c.IPKernelApp.log_level = "ERROR"\n', encoding="utf-8")
        with mock.patch.dict(os.environ, {"IPYTHONDIR": folder}):
            yield


#: Added to the notebook's Otter cell: the export cell's check runs the notebook in a kernel of its own,
#: whose note about its local TCP connection Otter passes on as a warning under the export cell.
QUIET_EXPORT = ("import warnings  # the export check's own kernel notes how it connects; nothing to do with your work\n"
                "warnings.filterwarnings(\"ignore\", r\"(?:\\s*\\[IPKernelApp\\] WARNING \\| Kernel is running over TCP[^\\n]*)+\\s*\\Z\")")


def _quiet_export(nb) -> None:
    """Add ``QUIET_EXPORT`` to the cell that makes the grader (``otter.Notebook(...)``), once."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "otter.Notebook(" in cell.source and QUIET_EXPORT not in cell.source:
            cell.source = cell.source.rstrip("\n") + "\n" + QUIET_EXPORT
            return


def _write_student(built: Path, target: Path, notebook_name: str) -> list[Path]:
    """Copy the student notebook and its data, and nothing else Otter may leave there."""
    target.mkdir(parents=True)
    nb = nbformat.read(built / notebook_name, as_version=4)
    _quiet_export(nb)
    written = [write_reproducible(nb, target / notebook_name)]
    for path in sorted(built.rglob("*")):
        relative = path.relative_to(built)
        if path.is_file() and relative.parts[0] == "data":
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / relative)
            written.append(target / relative)
    return written


def _write_student_variants(release: AssignmentRelease, offered: AssignmentVariants) -> list[Path]:
    """Each student's folder (``students/<id>/``: their variant's notebook and the data), the list of who
    has which variant (``variants.csv``, for the instructor) and each variant's figures (``variants.md``)."""
    table = release.variants
    handed_out = nbformat.read(release.student_notebook, as_version=4)
    made = {k: variant_notebook(handed_out, k, table.replacements[k]) for k in sorted(set(table.students.values()))}
    written = []
    for student, k in sorted(table.students.items()):
        folder = release.root / "students" / student
        shutil.copytree(release.student_notebook.parent, folder, ignore=shutil.ignore_patterns(release.student_notebook.name),
                        copy_function=shutil.copyfile)
        written.append(write_reproducible(made[k], folder / release.student_notebook.name))
        release.student_folders[student] = folder
    listing = release.root / "variants.csv"
    listing.write_text("student,variant\n" + "".join(f"{s},{k}\n" for s, k in sorted(table.students.items())), encoding="utf-8")
    report = release.root / "variants.md"
    report.write_text(variants_report(release.name, offered, table), encoding="utf-8")
    return [*written, listing, report]


def variants_report(name: str, offered: AssignmentVariants, table: VariantTable) -> str:
    """A Markdown table of every variant's reference figures and how many students have it."""
    columns = list(offered.figures[0])
    counts = [list(table.students.values()).count(k) for k in range(offered.count)]
    lines = [f"# {name}: the variants", "",
             "Each student's variant comes from a keyed hash of the course secret, the assignment and their id "
             "(`variants.csv` lists who has which). Variant 0 is the assignment as published. The figures below are "
             "computed by the reference module, so that the variants can be seen to be comparable.", "",
             "| variant | students | " + " | ".join(columns) + " |",
             "|---|---|" + "---|" * len(columns)]
    for k, figures in enumerate(offered.figures):
        lines.append(f"| {k} | {counts[k]} | " + " | ".join(str(figures[c]) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def _write_solution(built_notebook: Path, target: Path) -> Path:
    """Write the solution notebook: Otter's autograder notebook without prompts and markers."""
    nb = nbformat.read(built_notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            source = _PROMPT_BLOCK.sub("", cell.source)
            cell.source = _MARKER_LINE.sub("", source).rstrip("\n")
    _quiet_export(nb)
    target.parent.mkdir(parents=True)
    return write_reproducible(nb, target)


def _write_zip(built_zip: Path, target: Path, carried: dict[str, tuple[bytes, bool]]) -> Path:
    """Rewrite Otter's zip with sorted entries and fixed timestamps under a stable name, without
    Otter's own Gradescope runner, with the ``carried`` files (name → content, executable) added."""
    target.parent.mkdir(parents=True)
    with zipfile.ZipFile(built_zip) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        entries = {info.filename: (source.read(info), (info.external_attr >> 16) & 0o111)
                   for info in source.infolist() if not info.is_dir() and info.filename not in OTTER_GRADESCOPE_FILES}
        entries.update(carried)
        for name, (data, executable) in sorted(entries.items()):
            entry = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            # keep the executable bit (run_autograder, setup.sh); drop everything else
            entry.external_attr = (0o755 if executable else 0o644) << 16
            out.writestr(entry, data)
    return target


def _check_student_is_clean(release: AssignmentRelease) -> None:
    """Refuse a release whose student notebook still carries solution markers."""
    text = release.student_notebook.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN PROMPT", "hidden=True"):
        if marker in text:
            raise ReleaseError(f"{release.student_notebook}: the student notebook contains {marker!r}; check the source")

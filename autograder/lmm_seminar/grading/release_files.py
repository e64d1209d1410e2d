"""The release a grader works from: which autograder zip to use, and what it carries besides tests.

A grader (a teaching assistant given the release, a CI job in another
repository) needs nothing but the built release: the autograder zip holds the
hidden tests, the assignment's name and the written parts (``written_parts``).
``grade`` and ``review`` take the zip, or a folder holding one release, with
``--autograder``; without it they use the release of the project in the
current folder, building it from the source first when only the source is there.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

from ..nbgrader_course import COURSE_FOLDER
from ..written_parts import WRITTEN_PARTS_FILE, WrittenQuestion, written_parts_from_json

ZIP_PATTERN = "*-autograder.zip"


class ReleaseNotFound(FileNotFoundError):
    """No autograder zip where the grader pointed, or none in the current folder; the message says where it looked."""


_PATTERNS = [ZIP_PATTERN, f"autograder/{ZIP_PATTERN}", f"*/autograder/{ZIP_PATTERN}"]


def _zips_in(folder: Path) -> list[Path]:
    found = sorted({zip_path for pattern in _PATTERNS for zip_path in folder.glob(pattern)})
    if not found:
        raise ReleaseNotFound(f"no autograder zip in {folder} (looked for {', '.join(str(folder / p) for p in _PATTERNS)}): "
                              "pass the release folder that `lmm-seminar release` wrote, or the zip itself")
    return found


def find_autograders(given: Path | None, source_root: Path, release_root: Path, only: str | None = None) -> dict[str, Path]:
    """Every assignment's autograder zip in the release, by assignment name (the one named ``only``, if given).

    ``given`` is a zip, or a release folder holding one or more assignments (``assignments/``);
    without it, the current release under ``release_root``, built from ``source_root`` first
    if it is missing.
    """
    if given is not None and not given.is_dir():
        if not given.is_file():
            raise ReleaseNotFound(f"no autograder zip at {given}: pass the zip from the release's autograder/ "
                                  "folder, or the release folder itself")
        zips = [given]
    elif given is not None:
        zips = _zips_in(given)
    else:
        zips = current_release_zips(source_root, release_root)
    by_name: dict[str, Path] = {}
    for zip_path in zips:
        name = assignment_name(zip_path) or zip_path.name.removesuffix("-autograder.zip")
        if name in by_name:  # two zips of one assignment: which holds the tests to use is not for us to guess
            same = [z for z in zips if (assignment_name(z) or z.name.removesuffix("-autograder.zip")) == name]
            raise ReleaseNotFound(f"{given} holds {len(same)} autograder zips of assignment {name!r} "
                                  f"({', '.join(z.name for z in same)}): pass the one to use")
        by_name[name] = zip_path
    if only is None:
        return by_name
    if only not in by_name:
        raise ReleaseNotFound(f"no assignment {only!r} in the release (it has: {', '.join(sorted(by_name))})")
    return {only: by_name[only]}


def current_release_zips(source_root: Path, release_root: Path) -> list[Path]:
    """The autograder zips of the current release, building the release first if only its source is here."""
    from ..release import build_release, find_sources

    sources = find_sources(source_root) if source_root.is_dir() else []
    names = [s.name for s in sources] or sorted(p.name for p in release_root.glob("*")
                                                if p.is_dir() and p.name != COURSE_FOLDER)
    if not names:
        raise ReleaseNotFound(
            f"no release found: looked for {release_root.resolve() / '<assignment>' / 'autograder' / ZIP_PATTERN} "
            f"and for a source to build it from in {source_root.resolve()}; pass --autograder with the "
            "autograder zip (or the release folder) you were given")
    zips = [release_root / name / "autograder" / f"{name}-autograder.zip" for name in names]
    missing = [z for z in zips if not z.is_file()]
    if missing:
        if not sources:
            raise ReleaseNotFound(f"no autograder at {missing[0]} and no source to build it from in "
                                  f"{source_root.resolve()}; pass --autograder with the autograder zip")
        print(f"No release at {release_root}; building it first", file=sys.stderr)
        build_release(source_root, release_root)
    return zips


def assignment_name(autograder_zip: Path) -> str | None:
    """The assignment's name, as the zip's Otter configuration gives it."""
    try:
        with zipfile.ZipFile(autograder_zip) as archive:
            return str(json.loads(archive.read("otter_config.json")).get("assignment_name") or "") or None
    except (KeyError, ValueError, zipfile.BadZipFile):
        return None


def written_parts(autograder_zip: Path) -> list[WrittenQuestion]:
    """The written parts the release carries; ``ValueError`` for a zip without them."""
    try:
        with zipfile.ZipFile(autograder_zip) as archive:
            text = archive.read(WRITTEN_PARTS_FILE).decode("utf-8")
    except zipfile.BadZipFile:
        raise ValueError(f"{autograder_zip} is not a zip file") from None
    except KeyError:
        raise ValueError(f"{autograder_zip} carries no written parts ({WRITTEN_PARTS_FILE}): it was not built by "
                         "`lmm-seminar release` (or by an older version); build the release again") from None
    return written_parts_from_json(text)

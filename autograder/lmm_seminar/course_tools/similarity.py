"""Which hand-ins have answer code that is unusually alike: for a person to look at, never a grade.

Each hand-in's code is what the student wrote: its code cells minus the cells the notebook gives
(the grader's set-up, imports, check and export cells) and minus every line the handed-out scaffold
already holds, so code every student was given never counts as a match. The matching is
``copydetect``'s (winnowing over a token stream in which names, strings and comments no longer count,
as MOSS does). A pair is listed when either hand-in has at least ``threshold`` of its own code in
common with the other.

The scaffold is removed here, line by line, rather than by copydetect's own boilerplate option: in
copydetect 0.5.0 that option removes the wrong positions when a hash occurs twice in a file (it calls
``np.intersect1d(..., assume_unique=True)`` on hashes that are not unique), and two untouched
scaffolds still matched there on 571 tokens.

The page shows each pair side by side with the matched code marked. It carries no script and loads
nothing; every piece of student code on it was escaped by copydetect (``escape_html=True``) and every
other text by ``html.escape``.
"""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The share of one hand-in's own code found in another's, from which a pair is listed. Copied work
#: sits far above it (a copy with renamed variables and new comments still matches in full); two
#: students who filled in the same scaffold independently stay well below it (tests/test_similarity.py).
DEFAULT_THRESHOLD = 0.6
#: Winnowing's noise threshold, in tokens of copydetect's filtered code: a match shorter than this is
#: never counted (a line such as ``x = df["Days"].min()`` is about 20). copydetect's default.
NOISE_TOKENS = 25


@dataclass(frozen=True)
class SimilarPair:
    """Two hand-ins and how much of each one's own code the other holds."""

    first: str
    second: str
    #: share of ``first``'s code found in ``second``, and the reverse
    first_share: float
    second_share: float
    #: the code of each, escaped, with the matched parts in ``<mark>``
    first_code: str
    second_code: str
    tokens: int


def student_code(notebook: dict, given: set[str], given_lines: frozenset[str] = frozenset()) -> str:
    """The code of a hand-in that the student wrote or filled in: its code cells but the ``given`` ones,
    without the lines (compared stripped) that are in ``given_lines``."""
    parts = []
    for source in _code_cells(notebook):
        if source.strip() and source.strip() not in given:
            kept = [line for line in source.splitlines() if line.strip() not in given_lines]
            if any(line.strip() for line in kept):
                parts.append("\n".join(kept).rstrip())
    return "\n\n".join(parts) + "\n" if parts else ""


def scaffold_lines(scaffolds: list[dict]) -> frozenset[str]:
    """Every line of code the handed-out notebooks hold, stripped (blank lines aside)."""
    return frozenset(line.strip() for scaffold in scaffolds for source in _code_cells(scaffold)
                     for line in source.splitlines() if line.strip())


def _code_cells(notebook: dict) -> list[str]:
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    found = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            found.append("".join(source) if isinstance(source, list) else str(source))
    return found


def given_cells(scaffold: dict) -> set[str]:
    """The code cells of the handed-out notebook that are not the student's to write (Otter tags the ones that
    are ``otter_answer_cell``), as stripped text."""
    given = set()
    for cell in scaffold.get("cells", []):
        if cell.get("cell_type") == "code" and "otter_answer_cell" not in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = ("".join(source) if isinstance(source, list) else source).strip()
            if source:
                given.add(source)
    return given


def find_similar(hand_ins: dict[str, dict], scaffolds: list[dict], threshold: float = DEFAULT_THRESHOLD) -> list[SimilarPair]:
    """Pairs of ``hand_ins`` (id → notebook) whose own code is alike, most alike first; ``scaffolds`` are the
    notebooks handed out (one per variant), whose code counts as given."""
    from copydetect import CopyDetector

    given = set().union(*(given_cells(s) for s in scaffolds)) if scaffolds else set()
    lines = scaffold_lines(scaffolds)
    with tempfile.TemporaryDirectory(prefix="lmm-similarity-") as tmp:
        code_dir = Path(tmp) / "hand-ins"
        code_dir.mkdir()
        names: dict[str, str] = {}
        for number, (student, notebook) in enumerate(sorted(hand_ins.items())):
            code = student_code(notebook, given, lines)
            if not code:  # nothing of their own (an untouched notebook): nothing to compare
                continue
            path = code_dir / f"{number:05d}.py"  # ids can hold anything; the file name never does
            path.write_text(code, encoding="utf-8")
            names[str(path)] = student
        if len(names) < 2:
            return []
        detector = CopyDetector(test_dirs=[str(code_dir)], extensions=["py"],
                                noise_t=NOISE_TOKENS, guarantee_t=NOISE_TOKENS, display_t=threshold, autoopen=False,
                                silent=True, out_file=str(Path(tmp) / "unused.html"))
        detector.run()
        pairs = []
        for first_share, second_share, first, second, first_code, second_code, tokens in detector.get_copied_code_list():
            a, b = names[first], names[second]
            if a > b:
                a, b, first_share, second_share, first_code, second_code = b, a, second_share, first_share, second_code, first_code
            # shares to three places, as similarity.csv keeps them: a merged run reads them back from there
            pairs.append(SimilarPair(a, b, round(float(first_share), 3), round(float(second_share), 3), _marked(first_code),
                                     _marked(second_code), int(tokens)))
    return sorted(pairs, key=lambda p: (-max(p.first_share, p.second_share), p.first, p.second))


def _marked(code: str) -> str:
    # copydetect marks matches with two span classes of its own; one <mark> reads the same on both sides
    return code.replace("<span class='highlight-red'>", "<mark>").replace("<span class='highlight-green'>", "<mark>").replace("</span>", "</mark>")


def similarity_html(pairs: list[SimilarPair], assignment: str, count: int, threshold: float) -> str:
    """The report page: one section per pair, the two hand-ins' code side by side, matches marked."""
    e = html.escape
    sections = []
    for pair in pairs:
        sections.append(
            f'<section class="pair"><h2>{e(pair.first)} and {e(pair.second)}</h2>'
            f'<p>{pair.first_share:.0%} of {e(pair.first)}\'s own code is found in {e(pair.second)}\'s; '
            f'{pair.second_share:.0%} of {e(pair.second)}\'s in {e(pair.first)}\'s ({pair.tokens} tokens in common).</p>'
            f'<table><tr><th>{e(pair.first)}</th><th>{e(pair.second)}</th></tr>'
            f'<tr><td><pre>{pair.first_code}</pre></td><td><pre>{pair.second_code}</pre></td></tr></table></section>')
    found = (f"{len(pairs)} pair(s) of {count} hand-ins share at least {threshold:.0%} of one hand-in's own code."
             if pairs else f"No pair of the {count} hand-ins shares {threshold:.0%} of either one's own code.")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Similar hand-ins: {e(assignment)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
th, td {{ border: 1px solid #ccc; vertical-align: top; text-align: left; padding: 0.4em; }}
pre {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.8em; line-height: 1.5; margin: 0; }}
mark {{ background: #ffe08a; }}
section.pair {{ margin-bottom: 2.5em; }}
</style></head>
<body><h1>Similar hand-ins: {e(assignment)}</h1>
<p>{e(found)} Code given in the notebook does not count; names, strings and comments are ignored, so renaming
does not hide a copy. Marked code is what the two have in common. This is for a person to look at: it changes
no grade, and two students may have worked together as allowed.</p>
{''.join(sections)}
</body></html>
"""


def write_similarity(pairs: list[SimilarPair], assignment: str, count: int, threshold: float, out: Path) -> tuple[Path, Path]:
    """``similarity.html`` and ``similarity.csv`` (one row per pair) in ``out``."""
    import csv

    out.mkdir(parents=True, exist_ok=True)
    page = out / "similarity.html"
    page.write_text(similarity_html(pairs, assignment, count, threshold), encoding="utf-8")
    table = out / "similarity.csv"
    from ..grading.report import spreadsheet_safe

    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["first", "second", "first_share", "second_share", "tokens_in_common"])
        for pair in pairs:
            writer.writerow([spreadsheet_safe(pair.first), spreadsheet_safe(pair.second), f"{pair.first_share:.3f}",
                             f"{pair.second_share:.3f}", pair.tokens])
    return page, table


def read_similarity_csv(path: Path) -> list[SimilarPair]:
    """The pairs of a ``similarity.csv`` (without their code), as ``find_similar`` listed them."""
    import csv

    from ..grading.report import spreadsheet_unquoted

    with path.open(newline="", encoding="utf-8") as f:
        return [SimilarPair(spreadsheet_unquoted(row["first"]), spreadsheet_unquoted(row["second"]), float(row["first_share"]),
                            float(row["second_share"]), "", "", int(row["tokens_in_common"])) for row in csv.DictReader(f)]


def similarity_note(pairs: list[SimilarPair], most: int = 10) -> str:
    """The summary's section on similar hand-ins."""
    from ..grading.report import markdown_safe

    if not pairs:
        return "\n\nNo two hand-ins have unusually alike code (similarity.html)."
    lines = [f"- `{markdown_safe(p.first)}` and `{markdown_safe(p.second)}`: {p.first_share:.0%} / {p.second_share:.0%}"
             for p in pairs[:most]]
    more = f"\n- ... and {len(pairs) - most} more" if len(pairs) > most else ""
    return ("\n\n**Hand-ins with unusually alike code** (for a person to look at; no grade changes; side by side in "
            "similarity.html):\n" + "\n".join(lines) + more)


# --- reading hand-ins and scaffolds ----------------------------------------------------------------

def handed_out_notebooks(autograder_zip: Path) -> list[dict]:
    """The notebooks handed out for the assignment of ``autograder_zip``: the release's student notebook and,
    with a roster, each variant's (``students/*/``), one of each; found beside the zip in the release."""
    import json

    root = autograder_zip.resolve().parent.parent
    name = autograder_zip.name.removesuffix("-autograder.zip")
    found, seen = [], set()
    for path in [root / "student" / f"{name}.ipynb", *sorted((root / "students").glob(f"*/{name}.ipynb"))]:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if text not in seen:
            seen.add(text)
            found.append(json.loads(text))
    return found


def read_hand_ins(submissions) -> tuple[dict[str, dict], list[str]]:
    """Each hand-in's notebook by id, read as grading reads it (a zip unpacked); and the ids that could not be read."""
    import json

    from ..grading.submissions import SubmissionProblem, prepare_notebook

    notebooks, unreadable = {}, []
    for submission in submissions:
        with tempfile.TemporaryDirectory(prefix="lmm-similarity-in-") as tmp:
            try:
                notebooks[submission.id] = json.loads(prepare_notebook(submission, Path(tmp)).read_text(encoding="utf-8"))
            except (SubmissionProblem, ValueError, OSError):
                unreadable.append(submission.id)
    return notebooks, unreadable

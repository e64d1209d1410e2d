"""A Gradescope container, played on this machine.

Gradescope unpacks the autograder zip into ``/autograder/source``, runs its
``setup.sh`` once (as root, with internet), then for every submission puts the
student's files in ``/autograder/submission``, runs ``/autograder/run_autograder``
as root and reads ``/autograder/results/results.json``. Here the same folders sit
under a temporary root (``AUTOGRADER_ROOT``), the virtual environment
``setup.sh`` would make is one whose dependencies are this test environment's
(the step that downloads them is the one that needs internet), and ``setup.sh``
runs with ``LMM_SEMINAR_OFFLINE`` for the rest: the project's wheel from the zip,
and closing the check library to other users.

Namespaces are refused in Gradescope's containers; ``LMM_SEMINAR_NO_BUBBLEWRAP``
plays that on a machine that allows them, so the uid tier is what runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass
class GradescopeContainer:
    root: Path  # plays /autograder
    venv: Path  # plays /opt/lmm-seminar
    assignment: str = ""

    @classmethod
    def set_up(cls, autograder_zip: Path) -> "GradescopeContainer":
        # under a folder other users may pass through (pytest's own are closed), as /autograder and /opt are, and
        # not under /tmp, which bubblewrap replaces with a private folder for each submission
        base = Path(tempfile.mkdtemp(prefix="gradescope-", dir="/var/tmp"))
        os.chmod(base, 0o755)
        with zipfile.ZipFile(autograder_zip) as archive:
            assignment = json.loads(archive.read("otter_config.json"))["assignment_name"]
        container = cls(base / "autograder", base / "opt" / "lmm-seminar", assignment)
        (container.root / "source").mkdir(parents=True)
        with zipfile.ZipFile(autograder_zip) as archive:
            for info in archive.infolist():
                archive.extract(info, container.root / "source")
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    os.chmod(container.root / "source" / info.filename, mode)
        shutil.copy2(container.root / "source" / "run_autograder", container.root / "run_autograder")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(container.venv)], check=True)
        purelib = Path(subprocess.run([str(container.venv / "bin" / "python"), "-c",
                                       "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                      capture_output=True, text=True, check=True).stdout.strip())
        # the dependencies setup.sh would download: this environment's (pip among them)
        (purelib / "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        setup = subprocess.run(["bash", str(container.root / "source" / "setup.sh")], capture_output=True, text=True,
                               env={**os.environ, **container.env(), "LMM_SEMINAR_OFFLINE": "1"})
        assert setup.returncode == 0, setup.stdout + setup.stderr
        return container

    def env(self, bubblewrap: bool = True) -> dict[str, str]:
        values = {"AUTOGRADER_ROOT": str(self.root), "LMM_SEMINAR_VENV": str(self.venv)}
        if not bubblewrap:
            values["LMM_SEMINAR_NO_BUBBLEWRAP"] = "1"
        return values

    def submit(self, *notebooks: nbformat.NotebookNode | Path, bubblewrap: bool = True,
               timeout: float = 300, submitter: dict | None = None) -> tuple[dict, subprocess.CompletedProcess]:
        """Run one submission as Gradescope does; its results.json and the run's output. ``submitter`` is the
        user entry of Gradescope's submission_metadata.json (who handed in), written when given."""
        metadata = self.root / "submission_metadata.json"
        metadata.unlink(missing_ok=True)
        if submitter is not None:
            metadata.write_text(json.dumps({"id": 1, "created_at": "2026-12-01T10:00:00.000000-08:00",
                                            "assignment": {"title": self.assignment}, "users": [submitter]}))
        for folder in ("submission", "results"):
            shutil.rmtree(self.root / folder, ignore_errors=True)
            (self.root / folder).mkdir()
        for number, notebook in enumerate(notebooks):
            if isinstance(notebook, Path):
                shutil.copy(notebook, self.root / "submission" / notebook.name)
            else:
                name = f"{self.assignment}.ipynb" if number == 0 else f"extra-{number}.ipynb"
                nbformat.write(notebook, self.root / "submission" / name)
        environment = {key: value for key, value in os.environ.items() if key != "LMM_SEMINAR_NO_BUBBLEWRAP"}
        completed = subprocess.run([str(self.root / "run_autograder")], capture_output=True, text=True, timeout=timeout,
                                   env={**environment, **self.env(bubblewrap)}, stdin=subprocess.DEVNULL)
        results_file = self.root / "results" / "results.json"
        assert results_file.is_file(), completed.stdout + completed.stderr
        return json.loads(results_file.read_text()), completed

    def remove(self) -> None:
        shutil.rmtree(self.root.parent, ignore_errors=True)


def question_scores(results: dict) -> dict[str, float]:
    """The points of each autograded part in a results.json (the hidden-test entries)."""
    return {test["name"]: test["score"] for test in results["tests"] if test.get("visibility") == "after_published"
            and test["name"] != "Feedback"}

"""Start and feed the warm worker (``runner/worker.py``) in the strongest isolation the machine allows.

Two tiers (``choose_isolation`` probes them at run time, strongest first):

* **bubblewrap**, described below;
* **uid**, where namespaces are refused (Gradescope's Docker containers): each
  submission as a uid of its own with the same limits, reading only the system
  and Python folders and writing only its scratch folder where the kernel has
  Landlock, no sockets or SysV IPC (seccomp), every process of the uid killed at
  the end; the answer key and tests sit in folders only root can enter, and the
  judge runs as root in a process of its own.

Without root neither works, and student code runs in a forked process with
time and memory limits only (``lmm-seminar gradescope`` refuses that).

The worker's sandbox sees: the system's libraries, the Python installation,
the assignment's data (read-only), a private scratch folder and /tmp per
submission, and the job folder (hidden again from each student's process).
It does not see the autograder, the reference module, other submissions or
the output folder, and it has no network. Per submission the worker adds a
PID namespace, an unprivileged uid, resource limits and, where this machine
lets us make cgroups, a memory and a process cap for the whole process tree.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..runner.worker import SYSTEM_FOLDERS, python_folders
from ..shipped import answer_facts

WORKER = Path(__file__).resolve().parents[1] / "runner" / "worker.py"
#: uids the students' processes run as, one per job in turn (so their process counts are apart).
FIRST_UID = 61000
#: Memory and process limits of one submission: a correct notebook peaks near 400 MiB and 1 process.
DEFAULT_MEMORY = 2 * 1024**3
DEFAULT_PROCESSES = 64
#: Scratch space (and largest file) a submission may write.
SCRATCH_BYTES = 256 * 1024**2
#: How long the worker may take to import the libraries before grading starts.
STARTUP_SECONDS = 180


class SandboxUnavailable(RuntimeError):
    """No usable sandbox on this machine (and one was required)."""


@dataclass
class Isolation:
    """How isolated the students' code runs, for the summary and results.json."""

    sandbox: str  # "bubblewrap", "uid" or "none"
    features: list[str] = field(default_factory=list)
    reason: str = ""  # why no stronger tier was used

    @property
    def sandboxed(self) -> bool:
        return self.sandbox != "none"

    def describe(self) -> str:
        if not self.sandboxed:
            return f"not sandboxed ({self.reason}): student code ran in a forked process with time and memory limits only"
        if self.sandbox == "uid":
            return f"isolated by uid, without namespaces ({self.reason}): {', '.join(self.features)}"
        return f"sandboxed with bubblewrap: {', '.join(self.features)}"


#: The isolation tiers, strongest first; ``auto`` takes the first that works here.
TIERS = ("bubblewrap", "uid")


def uid_problem() -> str | None:
    """Why the uid tier cannot be used here, or None when it can."""
    if os.geteuid() != 0:
        return "isolating by uid needs root (to switch each submission to its own uid)"
    try:  # its seccomp filter (no sockets, SysV IPC, keyring, inotify or locks) needs the system's libseccomp
        import pyseccomp  # noqa: F401
    except (ImportError, OSError):
        return "libseccomp is not available (the seccomp filter needs it); on Debian: apt-get install libseccomp2"
    return None


def choose_isolation(wanted: str = "auto") -> tuple[str, str]:
    """The tier to use (``bubblewrap``, ``uid`` or ``none``) and why no stronger one was taken.

    ``wanted`` is ``auto`` (the strongest that works) or a tier's name, which must work here.
    """
    if wanted not in ("auto", *TIERS):
        raise ValueError(f"no isolation tier {wanted!r}: choose auto, {' or '.join(TIERS)}")
    reasons = []
    for tier in TIERS if wanted == "auto" else (wanted,):
        if tier == "bubblewrap" and os.environ.get("LMM_SEMINAR_NO_BUBBLEWRAP"):
            # a container that refuses namespaces, played on a machine that allows them (the tests do)
            problem = "bubblewrap is switched off (LMM_SEMINAR_NO_BUBBLEWRAP)"
        else:
            problem = sandbox_problem() if tier == "bubblewrap" else uid_problem()
        if problem is None:
            return tier, "; ".join(reasons)
        if wanted != "auto":
            raise SandboxUnavailable(f"isolation {tier}: {problem}")
        reasons.append(problem)
    return "none", "; ".join(reasons)


def sandbox_problem() -> str | None:
    """Why bubblewrap cannot be used here, or None when it can."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed; on Debian: apt-get install bubblewrap"
    if os.geteuid() != 0:
        return "the sandbox needs root (to switch each submission to its own uid)"
    try:  # the worker's seccomp filter (no keyring, inotify or lock channels) needs the system's libseccomp
        import pyseccomp  # noqa: F401
    except (ImportError, OSError):
        return "libseccomp is not available (the sandbox's seccomp filter needs it); on Debian: apt-get install libseccomp2"
    for prefix in {sys.prefix, sys.base_prefix}:
        # every submission gets a fresh, empty /tmp, which would hide an interpreter kept there
        if Path(prefix).resolve().is_relative_to("/tmp"):
            return (f"the Python environment lives under /tmp ({prefix}), which the sandbox replaces with a "
                    "private folder for each submission; install it somewhere else")
    probe = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--die-with-parent",
                            "--cap-add", "CAP_SYS_ADMIN", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"bubblewrap does not run here: {probe.stderr.strip()[:200]}"
    return None


@dataclass
class JobOutcome:
    """What the worker reported for one job, and where its output is."""

    report: dict
    output: Path


class WorkerPool:
    """One warm worker (a zygote) serving every submission of a grading run."""

    def __init__(self, data_dir: Path | None, *, require_sandbox: bool = False, autograder_zip: Path | None = None,
                 probes: Path | None = None, memory: int = DEFAULT_MEMORY, processes: int = DEFAULT_PROCESSES,
                 isolation: str = "auto"):
        """``autograder_zip``: the zip in use, whose release folder is hidden from students too; ``probes``:
        the assignment's ``answer_probes.py`` (the inputs its functions are tried on), if it has one;
        ``isolation``: ``auto`` (the strongest tier that works) or the tier to use."""
        tier, problem = choose_isolation(isolation)
        self.autograder_zip = autograder_zip
        if tier == "none" and require_sandbox:
            raise SandboxUnavailable(f"--require-sandbox: {problem}")
        self.memory, self.processes = memory, processes
        self.root = Path(tempfile.mkdtemp(prefix="lmm-worker-"))
        os.chmod(self.root, 0o700)
        self.scratch_root: Path | None = None
        self.lib = self.root / "lib"
        self.lib.mkdir()
        for module in (WORKER, Path(answer_facts.__file__)) + ((probes,) if probes else ()):
            shutil.copy2(module, self.lib / module.name)
        self.jobs = self.root / "jobs"
        self.jobs.mkdir(mode=0o700)
        self.data_dir = data_dir
        self.cgroups: list[Path] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[threading.Event, dict]] = {}
        self.mode = {"none": "plain"}.get(tier, tier)
        if tier == "none":
            self.isolation = Isolation("none", reason=problem)
            command = [sys.executable, "-I", "-B", str(self.lib / "worker.py"), "--mode", "plain"]
        elif tier == "uid":
            # every job's scratch folder sits here: others may pass through, not list it
            self.scratch_root = Path(tempfile.mkdtemp(prefix="lmm-scratch-"))
            os.chmod(self.scratch_root, 0o711)
            self.isolation = Isolation("uid", reason=problem or "chosen with --isolation uid", features=[
                "an unprivileged uid of its own", "a scratch folder of its own", "no network (seccomp: no sockets)",
                "no SysV IPC, keyring, inotify or file locks (seccomp)", "limits on memory, processes, file size and time",
                "answer key and tests only root can read, judged by a root process of their own",
                "every process of its uid killed at the end"])
            command = [sys.executable, "-I", "-B", str(self.lib / "worker.py"), "--mode", "uid"]
        else:
            self.cgroups = _make_cgroups()
            self.isolation = Isolation("bubblewrap", [
                "no network", "read-only system", "only its own copy of the data and a private scratch folder visible",
                "own PID, IPC and network namespaces per submission", "answer key and tests hidden", "unprivileged uid",
                "no keyring, inotify or file locks (seccomp)",
                "limits on memory, processes, file size and time",
            ] + (["cgroup caps on memory and processes"] if self.cgroups else []))
            command = self._bwrap_command()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        cwd=self.root, env=_worker_env(), text=True, bufsize=1)
        ready = self._wait_until_ready()
        if tier == "uid":
            try:
                self._check_answer_key_closed(bool(ready.get("landlock")))
            except SandboxUnavailable:
                self.close()
                raise
            if ready.get("landlock"):
                self.isolation.features.insert(2, f"reads only the system and Python folders, writes only its scratch "
                                                  f"folder (Landlock ABI {ready['landlock']})")
            else:
                self.isolation.features.insert(2, "no Landlock in this kernel: the shared /tmp and /dev/shm are writable")
        self._reader = threading.Thread(target=self._read_reports, daemon=True)
        self._reader.start()

    # -------------------------------------------------------------------------------- setup

    def _bwrap_command(self) -> list[str]:
        args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--clearenv", "--hostname", "grading"]
        # the keeper's, dropped before student code runs: mounts and namespaces, the uid switch,
        # killing the job, and bringing up loopback in each job's network namespace
        for cap in ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_NET_ADMIN"):
            args += ["--cap-add", cap]
        secrets = answer_key_paths(self.autograder_zip)
        shown: list[Path] = []
        hidden: list[Path] = []

        def show(tree: str) -> None:
            # a read-only tree, then an empty stand-in over every part of the answer key inside it
            args.extend(["--ro-bind", tree, tree])
            shown.append(Path(tree))
            for secret in secrets:
                if secret != Path(tree) and secret.is_relative_to(tree) and secret.exists():
                    args.extend(_mask_args(secret))
                    hidden.append(secret)

        show("/usr")
        show("/etc")
        for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                show(top)
        made: set[str] = set()
        prefixes = [Path(sys.prefix), Path(sys.base_prefix)]
        for prefix in sorted(python_folders()):
            if any(Path(prefix).is_relative_to(s) for s in secrets) and not any(Path(prefix).is_relative_to(p) for p in prefixes):
                # a folder of the checkout or the release on the path (`python -m` run from the checkout puts the
                # checkout there): never shown; only the interpreter's own folders may sit inside one
                continue
            visible = any(Path(prefix).is_relative_to(t) for t in shown) and not any(Path(prefix).is_relative_to(h) for h in hidden)
            if not visible:  # not shown yet, or inside a hidden checkout (a venv in the project folder)
                # bubblewrap makes missing parent folders private (0700); the student's uid must pass through
                # them to reach the interpreter, so make them world-traversable first
                for parent in reversed(Path(prefix).parents[:-1]):
                    if str(parent) not in made:
                        args += ["--perms", "0755", "--dir", str(parent)]
                        made.add(str(parent))
                show(prefix)
        args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--dir", "/scratch",
                 "--ro-bind", str(self.lib), "/worker", "--bind", str(self.jobs), "/jobs"]
        if self.data_dir is not None:
            args += ["--ro-bind", str(self.data_dir), "/data"]
        for group in self.cgroups:
            args += ["--bind", str(group), f"/cgroup/{group.parent.name}"]
        for name, value in _worker_env().items():
            args += ["--setenv", name, value]
        return args + ["--chdir", "/", sys.executable, "-I", "-B", "/worker/worker.py"]

    def _check_answer_key_closed(self, landlock: bool) -> None:
        """Without namespaces only permissions (and Landlock, where the kernel has it) hide the answer key:
        refuse to start if the students' uids could read any part of it."""
        # what the worker's Landlock rules leave readable (the same folders), else everything
        readable = [Path(p) for p in (set(SYSTEM_FOLDERS) | python_folders() if landlock else {"/"})]
        exposed = [str(path) for path in answer_key_paths(self.autograder_zip)
                   if any(path.resolve().is_relative_to(r.resolve()) for r in readable) and _readable_by_others(path)]
        if exposed:
            raise SandboxUnavailable("isolation uid: other users can read " + ", ".join(exposed)
                                     + "; make them unreadable first (chmod o= ...)")

    def _wait_until_ready(self) -> dict:
        result: dict = {}

        def read_first_line() -> None:
            result["line"] = self.process.stdout.readline()

        reader = threading.Thread(target=read_first_line, daemon=True)
        reader.start()
        reader.join(STARTUP_SECONDS)
        line = result.get("line", "")
        if not line.startswith("{"):
            self.process.kill()
            error = self.process.stderr.read()[-2000:] if not reader.is_alive() else "no answer in time"
            self.close()
            raise RuntimeError(f"the grading worker did not start: {error.strip() or line.strip()}")
        return json.loads(line)

    # -------------------------------------------------------------------------------- jobs

    def run(self, cells: list[str], questions: dict[str, list[str]], timeout: float, notebook: str = "{}",
            answered_after: dict[int, list[str]] | None = None) -> JobOutcome:
        """Run one notebook's cells in a fresh sandboxed process; wait for the worker's report.

        ``questions`` names the answers to report per question; ``notebook`` is
        the notebook's text, put beside the cells as the student had it;
        ``answered_after`` maps a cell's position to the questions whose answers
        are reported right after it (parts whose check cell is gone, see ``answer_cells``).
        """
        number = next(self._ids)
        job_id = f"job{number}"
        folder = self.jobs / job_id
        folder.mkdir()
        after = {str(index): names for index, names in (answered_after or {}).items()}
        task = {"cells": cells, "questions": questions, "notebook": notebook, "answered_after": after}
        (folder / "input.json").write_text(json.dumps(task), encoding="utf-8")
        inside = Path("/jobs") if self.mode == "bubblewrap" else self.jobs
        job = {
            "job": job_id, "input": str(inside / job_id / "input.json"), "output": str(inside / job_id / "output.jsonl"),
            "scratch": self._scratch(folder),
            "data": str(self.data_dir) if self.data_dir else None, "timeout": timeout, "memory": self.memory,
            "processes": self.processes, "uid": FIRST_UID + number % 1000, "scratch_bytes": SCRATCH_BYTES,
        }
        done = threading.Event()
        report: dict = {}
        with self._lock:
            self._waiting[job_id] = (done, report)
            try:
                self.process.stdin.write(json.dumps(job) + "\n")
                self.process.stdin.flush()
            except (BrokenPipeError, OSError):
                report.update(status="crashed", detail="the grading worker has stopped")
                done.set()
        if not done.wait(timeout + 60):
            report.setdefault("status", "crashed")
            report.setdefault("detail", "the grading worker did not report back")
        return JobOutcome(report, folder / "output.jsonl")

    def _scratch(self, job_folder: Path) -> str:
        """Where a job's student process works: the sandbox's /scratch, a folder of the job's uid under the
        scratch root (which the uid can pass through; the job folder is root's alone), or the job folder's."""
        if self.mode == "bubblewrap":
            return "/scratch"
        if self.mode == "uid":
            return str(self.scratch_root / job_folder.name)
        return str(job_folder / "scratch")

    def discard(self, outcome: JobOutcome) -> None:
        """Remove a finished job's files and cgroups (their peak memory goes into the report first)."""
        job = outcome.output.parent.name
        for group in self.cgroups:
            folder = group / job
            if (folder / "memory.max_usage_in_bytes").is_file():
                try:
                    outcome.report["peak_memory"] = int((folder / "memory.max_usage_in_bytes").read_text())
                except (OSError, ValueError):
                    pass
            _remove_cgroup(folder)
        if os.environ.get("LMM_SEMINAR_KEEP_JOBS"):  # for debugging the grader itself
            return
        shutil.rmtree(outcome.output.parent, ignore_errors=True)

    def _read_reports(self) -> None:
        for line in self.process.stdout:
            try:
                report = json.loads(line)
            except json.JSONDecodeError:
                continue
            with self._lock:
                waiting = self._waiting.pop(str(report.get("job")), None)
            if waiting:
                waiting[1].update(report)
                waiting[0].set()
        with self._lock:  # the worker is gone: nobody is left to report
            for done, report in self._waiting.values():
                report.update(status="crashed", detail="the grading worker stopped")
                done.set()
            self._waiting.clear()

    def close(self) -> None:
        """Stop the worker and remove its files and cgroups."""
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=30)
        except (subprocess.TimeoutExpired, OSError, AttributeError):
            self.process.kill()
        for group in self.cgroups:
            for child in group.iterdir() if group.exists() else []:
                if child.is_dir():
                    _remove_cgroup(child)
            _remove_cgroup(group)
        shutil.rmtree(self.root, ignore_errors=True)
        if self.scratch_root is not None:
            shutil.rmtree(self.scratch_root, ignore_errors=True)


def answer_key_paths(autograder_zip: Path | None = None) -> list[Path]:
    """Every place the answer key may sit on this machine, to hide from student code.

    The check modules travel inside the installed ``lmm_seminar`` package: after
    ``pip install .`` they sit in site-packages, which the sandbox shows. Should an
    assignment's own modules (its reference solution, the ones the zip ships beside
    its tests) be installed there too, by hand or by another package, they and their
    compiled copies are hidden as well. A source checkout holds them all (with the
    release's hidden tests and solution), and so does the release folder of the
    autograder zip in use.
    """
    import importlib.util

    package = Path(__file__).resolve().parents[1]
    paths = [package]
    for module in _shipped_module_names(autograder_zip):
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            installed = Path(spec.origin).resolve()
            paths += [installed, *sorted(installed.parent.glob(f"__pycache__/{module}.*"))]
    for folder in package.parents:
        if (folder / "pyproject.toml").is_file() and (folder / "source").is_dir():
            paths.append(folder)  # a checkout of this project
            break
    if autograder_zip is not None:
        zip_path = Path(autograder_zip).resolve()
        paths.append(zip_path.parent.parent if zip_path.parent.name == "autograder" else zip_path)
        # the course secret behind the variants, kept beside the release (see release.SECRET_NAME)
        secret = zip_path.parent.parent.parent / ".course-secret"
        if zip_path.parent.name == "autograder" and secret.exists():
            paths.append(secret)
    return paths


def _shipped_module_names(autograder_zip: Path | None) -> list[str]:
    """The modules an autograder zip ships beside its tests (``files/*.py``), by name."""
    if autograder_zip is None:
        return []
    import zipfile

    try:
        with zipfile.ZipFile(autograder_zip) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return []
    return sorted({Path(n).stem for n in names if n.startswith("files/") and n.count("/") == 1 and n.endswith(".py")
                   and Path(n).stem.isidentifier()})


def _readable_by_others(path: Path) -> bool:
    """Whether a uid that is neither the owner nor in the group can read ``path`` (every folder above passable)."""
    try:
        if not path.exists():
            return False
        for folder in reversed(path.resolve().parents):
            if not folder.stat().st_mode & 0o001:
                return False
        return bool(path.stat().st_mode & 0o004)
    except OSError:
        return False


def _mask_args(secret: Path) -> list[str]:
    """bubblewrap arguments that cover a folder or file with something empty."""
    if secret.is_dir():
        return ["--perms", "0555", "--tmpfs", str(secret)]
    return ["--ro-bind", "/dev/null", str(secret)]


def _worker_env() -> dict[str, str]:
    # The machine's OpenBLAS settings (OPENBLAS_CORETYPE picks the kernel some processors need to
    # compute right, or at all) reach the worker as they reach a Jupyter kernel: a different kernel
    # rounds differently, and an estimate on a boundary then differs from otter run's in its 4th digit.
    machine = {name: value for name, value in os.environ.items() if name.startswith("OPENBLAS_")}
    return machine | {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",  # as ipykernel sets it
        "MPLCONFIGDIR": "/tmp/matplotlib", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
    }


def _make_cgroups() -> list[Path]:
    """A memory and a pids cgroup (v1) for this run's jobs, where the machine lets us make them."""
    made = []
    for controller in ("memory", "pids"):
        root = Path("/sys/fs/cgroup") / controller
        group = root / f"lmm-seminar-{os.getpid()}"
        try:
            group.mkdir()
            made.append(group)
        except OSError:
            continue
    return made


def _remove_cgroup(group: Path, attempts: int = 50) -> None:
    """Kill whatever is left in a cgroup and remove it (the keeper may still be exiting)."""
    for _ in range(attempts):
        try:
            for pid in (group / "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), 9)
                except OSError:
                    pass
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)

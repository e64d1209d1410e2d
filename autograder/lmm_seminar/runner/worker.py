"""The warm worker: runs students' notebooks, one fresh process each, and reports answers as plain data.

This file runs *inside* the sandbox (bubblewrap, started by
``lmm_seminar.grading.sandbox``) next to ``answer_facts.py`` and
``answer_probes.py`` and nothing else of ours: never the hidden tests, the
check helpers or the reference solution.

Three kinds of process, after PrairieLearn's zygote:

* the **zygote** imports the libraries students use (a few seconds, once),
  then reads jobs from stdin, one JSON line each, and forks a keeper per job;
* the **keeper** (root inside the sandbox) reads the job, gives it a private
  scratch folder, /tmp and /dev/shm, moves itself into the job's cgroup, hides
  the job folder and the cgroups, unshares IPC, network and PID namespaces and
  forks the student's process, then relays its output (bounded) to the job's
  output file, kills it at the deadline, and reports one JSON line on stdout;
* the **student's process** is PID 1 of its own namespace (so everything it
  starts dies with it, however it detaches), drops to an unprivileged uid with
  resource limits, runs the cells as a Jupyter kernel does (IPython's shell,
  matplotlib's inline backend), and writes one JSON line per question: the
  facts of that question's answers, taken right after its ``grader.check``
  cell, else right after its answer cell (the grader says which, when the
  check cell is gone), else at the end.

Three modes, strongest first (``--mode``; the grader probes which one works):

* ``bubblewrap``: all of the above, inside bubblewrap.
* ``uid``, where namespaces are refused (a Docker container under its default
  seccomp profile, as on Gradescope): the zygote runs as root with no sandbox
  around it; the keeper gives the job a scratch folder owned by the job's uid and
  a copy of the data; the student's process starts its own session, drops to that
  uid with the same limits, and, where the kernel offers Landlock, may read only
  the system and Python folders and write only its scratch folder. A seccomp
  filter refuses sockets and SysV IPC besides the channels above. At the end
  every process of the uid is killed (the uid is the job's alone).
* ``plain`` (no root, no sandbox): the keeper only forks; no uid change. The
  grade summary says so, and the Gradescope command refuses it.

Why not a library: the fork-after-import pattern needs a process that forks
*itself* (multiprocessing's forkserver can preload modules, but gives no PID
namespace, uid drop or mount changes between fork and the student's code);
bubblewrap is the sandbox, this file only adds the per-submission steps that
bubblewrap cannot do for a forked rather than an executed process.
"""

from __future__ import annotations

import ctypes
import fcntl
import gc
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import time
import traceback

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38

#: Most bytes of answers a submission may report; the seminar's take about 100 kB.
MAX_OUTPUT = 16 * 1024 * 1024

_CHECK_CELL = re.compile(r"""^\s*grader\.check\(\s*["'](?P<question>\w+)["']\s*\)\s*;?\s*$""")
_OTTER_INIT = re.compile(r"""otter\.Notebook\(\s*["']([^"'/\\]+\.ipynb)["']""")
_SKIPPED_CELL = re.compile(r"""^\s*grader\.(export|check_all)\(.*\)\s*;?\s*$""", re.DOTALL)

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)), f"mount {target}")


def _b(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


# ------------------------------------------------------------------------------------- zygote


def preload() -> None:
    """Import what students use, so every forked child starts warm."""
    # The shell first, then matplotlib on Jupyter's inline backend, as a kernel has them.
    shell = student_shell()
    import matplotlib
    import matplotlib.pyplot  # noqa: F401

    _use_inline_backend(shell)
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import scipy.stats  # noqa: F401
    import seaborn  # noqa: F401
    import statsmodels.api  # noqa: F401
    import statsmodels.formula.api  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401

    try:
        import otter  # noqa: F401  (the notebook's first cell imports it)
    except ImportError:
        pass
    import answer_facts  # noqa: F401
    # Warm the lazily imported parts a fit touches (the formula parser, the optimisers).
    import warnings

    import statsmodels.formula.api as smf

    frame = pandas.DataFrame({"y": [1.0, 2.0, 4.0, 3.0, 5.0, 7.0], "x": [0, 1, 2, 0, 1, 2], "g": [1, 1, 1, 2, 2, 2]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        smf.ols("y ~ x", frame).fit()
        smf.mixedlm("y ~ x", frame, groups=frame["g"]).fit()
    matplotlib.pyplot.subplots()
    matplotlib.pyplot.close("all")
    # otter.Notebook(...) in the first cell reads the notebook, and nbformat compiles its schema
    # validator on first use (about 0.07 s); compile it here, once, for every child.
    import nbformat

    nbformat.reads(nbformat.writes(nbformat.v4.new_notebook()), as_version=4)
    # The shell is built once here (about 0.03 s); each child gets its own copy, never run before.
    # Warming the figure code above went through pyplot, not the shell: nothing is queued for display.
    from matplotlib_inline import backend_inline

    backend_inline.show._draw_called = False
    backend_inline.show._to_draw = []


#: Jupyter's inline backend: what ipykernel sets MPLBACKEND to before running any cell.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def _use_inline_backend(shell) -> None:
    """Matplotlib as a Jupyter kernel runs it: interactive, on the inline backend, whose hook shows
    and closes every open figure at the end of each cell, as ``plt.show()`` does within one.

    The hook and ``show`` are matplotlib_inline's own. What differs from a kernel is only that a
    figure is shown as its text (``<Figure size ... with 1 Axes>``) instead of being rendered to
    a PNG nobody sees here (about 0.05 s a figure); drawing changes none of the facts read off a
    figure (data, labels, texts), and a figure that fails to draw only prints an error in Jupyter.
    """
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    shell.run_line_magic("matplotlib", "inline")
    png = shell.display_formatter.formatters["image/png"]
    png.enabled = False


MODES = ("bubblewrap", "uid", "plain")


def zygote(mode: str) -> None:
    """Read jobs from stdin, fork a keeper for each, reap them; stop at end of input."""
    preload()
    # Closing figures (as the inline backend does after every cell that drew) runs a full garbage
    # collection, about 0.06 s over all the preloaded libraries' objects; frozen here, they are left
    # out of every child's collections (and their memory pages stay shared between children).
    gc.freeze()
    _write_line(sys.stdout, {"ready": True, "pid": os.getpid(), "sandboxed": mode != "plain", "landlock": _landlock_abi()})
    stdin = sys.stdin.buffer
    pending = b""
    while True:
        _reap()
        ready, _, _ = select.select([stdin], [], [], 0.5)
        if not ready:
            continue
        chunk = os.read(stdin.fileno(), 65536)
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if line.strip():
                job = json.loads(line)
                if os.fork() == 0:
                    _keeper_main(job, mode)
    _reap(block=True)


def _reap(block: bool = False) -> bool:
    """Collect finished keepers (all of them, waiting, when ``block``); False when none is left."""
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def _write_line(stream, data: dict) -> None:
    # One write of one line: below PIPE_BUF, so keepers writing at once do not interleave.
    stream.write(json.dumps(data) + "\n")
    stream.flush()


# ------------------------------------------------------------------------------------- keeper


def _keeper_main(job: dict, mode: str) -> None:
    code = 0
    try:
        report = keeper(job, mode)
    except BaseException as error:  # report, never leave the grader waiting
        report = {"status": "crashed", "detail": f"{type(error).__name__}: {error}",
                  "trace": traceback.format_exc(limit=3)}
        code = 1
    report["job"] = job["job"]
    try:
        _write_line(sys.stdout, report)
    finally:
        os._exit(code)


def keeper(job: dict, mode: str) -> dict:
    """Run one submission in a fresh student process; return how it ended."""
    plain = mode == "plain"
    start = time.monotonic()
    with open(job["input"], encoding="utf-8") as f:
        task = json.load(f)
    output = open(job["output"], "wb")
    scratch = job["scratch"]
    cgroups = _enter_cgroups(job) if mode == "bubblewrap" else []
    if mode == "bubblewrap":
        _isolate_filesystem(job)
        _isolate_ipc_and_network()
    elif mode == "uid":
        _make_scratch(job)
    read_end, write_end = os.pipe()
    if mode == "bubblewrap":
        _check(_libc.unshare(CLONE_NEWPID), "unshare pid namespace")
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        output.close()
        job["_out_fd"] = write_end
        _student_main(task, write_end, scratch, job, mode)
    os.close(write_end)
    status, truncated, size = "finished", False, 0
    deadline = start + float(job["timeout"])
    ended = None  # the student's process's wait status, once it has exited
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            status = "timeout"
            break
        ready, _, _ = select.select([read_end], [], [], min(remaining, 0.2))
        if not ready:
            if ended is None and mode != "bubblewrap":
                # Without a PID namespace a process it left behind keeps the pipe open: no end of file comes
                # when the student's process exits. Once it has, what it left goes, and the pipe closes.
                done, wait_status = os.waitpid(pid, os.WNOHANG)
                if done:
                    ended = wait_status
                    if mode == "uid":
                        _kill_uid(int(job["uid"]))
                    else:
                        _kill_leftovers_plain(pid)
            continue
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        if size + len(chunk) > MAX_OUTPUT:
            truncated = True
            status = "too much output"
            break
        output.write(chunk)
        size += len(chunk)
    output.close()
    if ended is None:
        os.kill(pid, signal.SIGKILL)  # PID 1 of its namespace: everything it started goes with it
        _, wait_status = os.waitpid(pid, 0)
    else:
        wait_status = ended
    report = {"status": status, "seconds": round(time.monotonic() - start, 3), "truncated": truncated}
    if os.WIFEXITED(wait_status):
        report["exit"] = os.WEXITSTATUS(wait_status)
    elif os.WTERMSIG(wait_status) != signal.SIGKILL or status == "finished":
        report["signal"] = os.WTERMSIG(wait_status)
    report["cgroups"] = len(cgroups)  # the grader reads their peak memory and removes them
    if plain:
        _kill_leftovers_plain(pid)
    elif mode == "uid":
        report["leftovers"] = _kill_uid(int(job["uid"]))
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def _enter_cgroups(job: dict) -> list[str]:
    """Put this keeper (and so everything it forks) into the job's memory and pids cgroups."""
    groups = []
    for controller, limits in (("memory", {"memory.limit_in_bytes": job["memory"]}),
                               ("pids", {"pids.max": job["processes"]})):
        root = f"/cgroup/{controller}"
        if not os.path.isdir(root):
            continue
        group = f"{root}/{job['job']}"
        os.mkdir(group)
        for name, value in limits.items():
            with open(f"{group}/{name}", "w") as f:
                f.write(str(value))
        with open(f"{group}/cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
        groups.append(group)
    return groups


def _isolate_filesystem(job: dict) -> None:
    """A mount namespace of the keeper's own: private scratch and /tmp, job files and cgroups hidden."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare mount namespace")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    uid = int(job["uid"])
    scratch = job["scratch"]
    for folder, size in ((scratch, job["scratch_bytes"]), ("/tmp", job["scratch_bytes"])):
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=0755,uid={uid},gid={uid}")
    if os.path.isdir("/dev/shm"):  # POSIX shared memory and semaphores (multiprocessing's locks), this job's own
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, f"size={job['scratch_bytes']},mode=1777")
    if os.path.isdir("/data"):
        _copy_data("/data", f"{scratch}/data")
    for hidden in ("/jobs", "/cgroup"):
        if os.path.isdir(hidden):
            _mount("tmpfs", hidden, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")


#: Most bytes of data files copied into each job (the seminar's data file is 3 kB).
MAX_DATA_BYTES = 64 * 1024 * 1024


def _copy_data(source: str, target: str) -> None:
    """A copy of the assignment's data files for this job alone, owned by root and read-only.

    Shared with other jobs (a bind mount), one file would be a channel between
    classmates: record locks taken on it, or inotify events on its folder, are
    seen by every process that opens it. A copy in the job's own scratch is
    seen by nobody else.
    """
    copied = 0
    for folder, dirs, files in os.walk(source):
        relative = os.path.relpath(folder, source)
        destination = os.path.normpath(os.path.join(target, relative))
        os.makedirs(destination, exist_ok=True)
        for name in files:
            origin = os.path.join(folder, name)
            if os.path.islink(origin):
                continue
            copied += os.path.getsize(origin)
            if copied > MAX_DATA_BYTES:
                raise OSError(f"the assignment's data are larger than {MAX_DATA_BYTES} bytes")
            with open(origin, "rb") as reader, open(os.path.join(destination, name), "wb") as writer:
                writer.write(reader.read())
            os.chmod(os.path.join(destination, name), 0o444)
    for folder, _, _ in os.walk(target):
        os.chmod(folder, 0o555)


def _deny_channels(network: bool = False) -> None:
    """A seccomp filter on the student's process: no kernel keyring, no inotify, no file locks.

    Each of these reaches past the job's namespaces: keys in a keyring outlive the
    process (and the run) and can be read by any process of the same uid; inotify
    reports opens and reads of any shared file (the system's libraries included);
    a record lock or flock on any shared file is seen by every other process that
    tests it. Classmates graded side by side could pass answers through any of
    them. A notebook has no use for them: the calls fail with EPERM.

    With ``network`` (the uid mode, where no namespace of its own holds the job), also no
    sockets (the network, and abstract Unix sockets shared by every process of the machine)
    and no SysV IPC (whose objects outlive the process, readable by whoever their mode lets).
    ``socketpair`` and pipes, which multiprocessing uses, stay.
    """
    import errno as errnos
    import fcntl as fcntls

    seccomp = _SECCOMP
    if seccomp is None:
        raise OSError("libseccomp is not available: the sandbox cannot close the keyring, inotify and lock channels")
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for call in ("add_key", "request_key", "keyctl", "inotify_init", "inotify_init1", "fanotify_init", "flock"):
        rules.add_rule(seccomp.ERRNO(errnos.EPERM), call)
    locks = (fcntls.F_GETLK, fcntls.F_SETLK, fcntls.F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW)
    for command in locks:
        rules.add_rule(seccomp.ERRNO(errnos.EPERM), "fcntl", seccomp.Arg(1, seccomp.EQ, command))
    if network:
        for call in ("socket", "shmget", "semget", "msgget"):
            rules.add_rule(seccomp.ERRNO(errnos.EACCES), call)
    rules.load()


try:  # imported by the zygote, as root: the student's process could not import it after the uid drop
    import landlock as _LANDLOCK
except (ImportError, OSError):
    _LANDLOCK = None

#: Folders every student process may read (and run programs from), besides the Python installation.
SYSTEM_FOLDERS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/dev", "/sys")


def python_folders() -> set[str]:
    """This interpreter's folders: its installation, and every folder on its path (a .pth file may add some).

    What student code must be able to read to import a library: the sandbox shows them, Landlock
    lets the uid tier read them, and the answer key must not sit in any of them unprotected.
    """
    return {sys.prefix, sys.base_prefix} | {p for p in sys.path if p and os.path.isabs(p) and os.path.isdir(p)}


def _landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where it has none (or a container's seccomp profile refuses it)."""
    if _LANDLOCK is None:
        return 0
    try:
        return int(_LANDLOCK.landlock_abi_version())
    except Exception:  # the library raises its own error types for "not supported" and "disabled"
        return 0


def _landlock_ruleset(scratch: str):
    """A Landlock ruleset for the uid mode: read the system and Python, write only the scratch folder.

    Without namespaces the student's uid sees the machine's whole file tree; permissions keep the
    grader's own folders closed, and this keeps everything else out of reach too (another folder
    someone left readable, the shared /tmp and /dev/shm a classmate graded beside could use).
    None where the kernel has no Landlock: the grader names that in the isolation line.
    """
    if _landlock_abi() < 1:
        return None
    access = _LANDLOCK.FSAccess
    read = access.READ_FILE | access.READ_DIR | access.EXECUTE
    ruleset = _LANDLOCK.Ruleset()
    for path in sorted(set(SYSTEM_FOLDERS) | python_folders()):
        if os.path.isdir(path):
            ruleset.allow(path, rules=read)
    ruleset.allow(scratch)
    ruleset.allow("/dev/null", rules=access.all_file())
    return ruleset


F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38  # open file description locks (Linux)

try:  # imported by the zygote: the student's process, once another uid, could not import it
    import pyseccomp as _SECCOMP
except (ImportError, OSError):
    _SECCOMP = None


def _isolate_ipc_and_network() -> None:
    """IPC and network namespaces of the job's own, so no two submissions can talk.

    SysV shared memory, semaphores and message queues outlive the process that made them,
    and a server on loopback or an abstract Unix socket is reachable from any process of
    the same namespace: without this, a correct submission could leave its answers for a
    classmate's. Whatever the job made goes with its namespaces. Loopback is brought up,
    as in a kernel, but reaches only the job itself.
    """
    _check(_libc.unshare(CLONE_NEWIPC | CLONE_NEWNET), "unshare ipc and network namespaces")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request + bytes(22))[:18])[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP) + bytes(22))


def _make_scratch(job: dict) -> None:
    """The job's scratch folder, outside every folder of the grader's: its uid's alone, with a copy of the data."""
    uid = int(job["uid"])
    scratch = job["scratch"]
    os.mkdir(scratch, 0o700)
    if job.get("data"):
        _copy_data(job["data"], f"{scratch}/data")  # root's and read-only, as in the sandbox
    os.chown(scratch, uid, uid)


def _kill_uid(uid: int) -> int:
    """Kill every process of ``uid`` (the job's own), however it detached; how many rounds it took.

    A process that starts its own session leaves the job's process group, and without a PID
    namespace nothing else holds it. A child that takes the uid can signal exactly the
    processes of that uid: kill(-1) reaches all of them but itself, until none is left.
    """
    child = os.fork()
    if child == 0:
        code = 0
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            rounds = 0
            while rounds < 1000:
                if os.kill(-1, signal.SIGKILL) is None:
                    rounds += 1
        except ProcessLookupError:  # nothing of the uid is left
            code = min(rounds, 100)
        except BaseException:
            code = 255
        os._exit(code)
    _, status = os.waitpid(child, 0)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1


def _kill_leftovers_plain(pid: int) -> None:
    # Without a PID namespace, a process group is the best that can be done.
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


# ------------------------------------------------------------------------------------- student


def _student_main(task: dict, out_fd: int, scratch: str, job: dict, mode: str) -> None:
    code = 0
    try:
        _enter_student_process(scratch, job, mode)
        with os.fdopen(out_fd, "w", encoding="utf-8", closefd=False) as out:
            run_notebook(task, out)
    except BaseException as error:  # anything the student's code did to the runner itself
        code = 3
        try:  # say what stopped the run (the judge ignores it; it is there for whoever debugs the grader)
            os.write(out_fd, (json.dumps({"runner_error": f"{type(error).__name__}: {error}"[:1000]}) + "\n").encode())
        except OSError:
            pass
    os._exit(code)


def _enter_student_process(scratch: str, job: dict, mode: str) -> None:
    plain = mode == "plain"
    if plain:
        os.setpgid(0, 0)
        os.makedirs(scratch, exist_ok=True)
        data = job.get("data")
        if data and not os.path.exists(f"{scratch}/data"):
            os.symlink(data, f"{scratch}/data")
    elif mode == "uid":
        os.setsid()  # its own session and process group, away from the grader's terminal and signals
    else:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # shows this namespace only
    os.chdir(scratch)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    # Nothing of the zygote's or the keeper's (the job list on stdin, the report pipe) stays open.
    out_fd = job["_out_fd"]
    os.closerange(3, out_fd)
    os.closerange(out_fd + 1, 65536)
    os.environ.update({"HOME": scratch, "TMPDIR": "/tmp" if mode == "bubblewrap" else scratch, "MPLBACKEND": INLINE_BACKEND})
    if mode == "uid":  # the shared /tmp is not the job's to write
        os.environ["MPLCONFIGDIR"] = f"{scratch}/.matplotlib"
    limits = {
        resource.RLIMIT_AS: int(job["memory"]),
        resource.RLIMIT_FSIZE: int(job["scratch_bytes"]),
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: 256,
        resource.RLIMIT_CPU: int(float(job["timeout"])) + 5,
    }
    if not plain:
        limits[resource.RLIMIT_NPROC] = int(job["processes"])
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))
    if not plain:
        uid = int(job["uid"])
        ruleset = _landlock_ruleset(scratch) if mode == "uid" else None  # paths opened while still root
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # from root to another uid: every capability is dropped
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        if ruleset is not None:
            ruleset.apply()
            os.close(ruleset._fd)
        _deny_channels(network=mode == "uid")


def _code_only(source: str) -> str:
    """A cell's source without blank and comment-only lines."""
    return "\n".join(line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#"))


def checked_question(source: str) -> str | None:
    """The question a check cell checks (``grader.check("q1a")`` alone, comments aside), or None."""
    match = _CHECK_CELL.match(_code_only(source))
    return match.group("question") if match else None


def opened_notebook(sources: list[str]) -> str | None:
    """The file name the first ``otter.Notebook("name.ipynb")`` call in these cells opens, if any."""
    return next((m.group(1) for m in map(_OTTER_INIT.search, sources) if m), None)


def cell_questions(cells: list[str]) -> list[str | None]:
    """For each cell, the question whose check comes next (the part the cell belongs to)."""
    owners: list[str | None] = [None] * len(cells)
    upcoming = None
    for index in range(len(cells) - 1, -1, -1):
        upcoming = checked_question(cells[index]) or upcoming
        owners[index] = upcoming
    return owners


def student_shell():
    """The IPython shell that runs the cells, as a kernel's shell (made on first use; no history file).

    IPython's base shell refuses ``enable_gui``, so ``%matplotlib inline`` (in many notebooks'
    first cell) would raise there; a kernel's shell accepts it, and so does this one. A GUI
    event loop (``%matplotlib qt``) cannot run without a screen, in a kernel on a server or here.
    """
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    if InteractiveShell.initialized():
        return InteractiveShell.instance()

    class KernelLikeShell(InteractiveShell):
        def enable_gui(self, gui=None):
            if gui not in (None, "inline"):
                raise RuntimeError(f"no {gui} event loop: the grader has no screen (use %matplotlib inline)")

    config = Config()
    config.HistoryManager.enabled = False
    return KernelLikeShell.instance(config=config)


def run_notebook(task: dict, out) -> None:
    """Run the cells as a kernel would and write the facts of each question's answers."""
    import answer_facts

    shell = student_shell()
    # The worker reports each error itself (cell, type, message); IPython's coloured traceback
    # and its stored copy cost about 0.1 s per failing cell, which nobody reads here.
    shell.showtraceback = lambda *args, **kwargs: None
    shell._format_exception_for_storage = lambda *args, **kwargs: {}
    questions: dict[str, list[str]] = task["questions"]
    cells: list[str] = task["cells"]
    owners = cell_questions(cells)
    answered_after: dict[str, list[str]] = task.get("answered_after") or {}
    # otter.Notebook("name.ipynb") in the first cell wants its notebook beside it, as in the student's folder
    with open(os.path.basename(opened_notebook(cells) or "submission.ipynb"), "w", encoding="utf-8") as f:
        f.write(task.get("notebook", "{}"))
    taken: set[str] = set()

    def snapshot(question: str, where: str) -> None:
        answers = {}
        for name in questions.get(question, []):
            value = shell.user_ns.get(name, _MISSING)
            try:
                answers[name] = {"kind": "missing"} if value is _MISSING else answer_facts.to_plain(value, name)
            except Exception as error:  # a value whose own methods raise
                answers[name] = {"kind": "other", "type": type(value).__name__, "has_figure": False,
                                 "text": f"could not be read ({type(error).__name__})"}
        out.write(json.dumps({"question": question, "at": where, "answers": answers}) + "\n")
        out.flush()
        taken.add(question)

    errors = []
    for index, source in enumerate(cells):
        checked = checked_question(source)
        if checked:
            if checked in questions and checked not in taken:
                snapshot(checked, f"cell {index + 1}")
            continue
        if _SKIPPED_CELL.match(_code_only(source)):  # exporting or re-checking is the student's business, not grading's
            continue
        result = shell.run_cell(source, store_history=True)
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            errors.append({"cell": index + 1, "question": owners[index], "type": type(error).__name__,
                           "message": str(error)[:500]})
            out.write(json.dumps({"cell_error": errors[-1]}) + "\n")
            out.flush()
        for question in answered_after.get(str(index), []):  # a part whose check cell is gone: its answer cell
            if question in questions and question not in taken:
                snapshot(question, f"cell {index + 1}")
    for question in questions:
        if question not in taken:
            snapshot(question, "end")
    out.write(json.dumps({"end": True}) + "\n")
    out.flush()


_MISSING = object()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    arguments = sys.argv[1:]
    mode = arguments[arguments.index("--mode") + 1] if "--mode" in arguments[:-1] else "bubblewrap"
    if mode not in MODES:  # a typo must not quietly run students' code with less isolation than asked
        sys.exit(f"worker.py: no mode {mode!r} (modes: {', '.join(MODES)})")
    zygote(mode)
    # Every keeper is reaped and its report written; skip tearing down the preloaded libraries
    # (about half a second at the end of every grading run).
    sys.stdout.flush()
    os._exit(0)

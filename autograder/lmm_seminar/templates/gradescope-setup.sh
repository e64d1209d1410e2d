#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04 base image,
# with internet access). It installs lmm-seminar from the wheel in this zip, under the exact versions
# its tests ran with, into a virtual environment every user may read (the uid tier runs student code
# as another user, which must be able to import the libraries it uses).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${LMM_SEMINAR_VENV:-/opt/lmm-seminar}"

if [ -z "${LMM_SEMINAR_OFFLINE:-}" ]; then
    # Python 3.11, as in CI and the README; bubblewrap where the container allows namespaces;
    # libseccomp for the seccomp filter of either isolation tier
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv bubblewrap libseccomp2
    python3.11 -m venv "$venv"
    # the project, and the libraries the assignment lets students use, under the tested versions
    requirements=()
    if [ -f "$here/lmm-seminar/requirements.txt" ]; then requirements=(-r "$here/lmm-seminar/requirements.txt"); fi
    "$venv/bin/python" -m pip install --quiet --constraint "$here/lmm-seminar/constraints.txt" \
        "$here"/lmm-seminar/*.whl "${requirements[@]}"
else
    # LMM_SEMINAR_OFFLINE: the environment at $venv already holds the dependencies (the project's
    # tests play a Gradescope container this way); only the project itself is installed
    "$venv/bin/python" -m pip install --quiet --no-deps --no-index --force-reinstall "$here"/lmm-seminar/*.whl
fi

# The check library is the grader's, not the students': closed to other users, as the source folder is
# (run_autograder closes /autograder/source, submission and results before any student code runs).
package="$("$venv/bin/python" -c 'import lmm_seminar, os; print(os.path.dirname(lmm_seminar.__file__))')"
chmod -R o= "$package"

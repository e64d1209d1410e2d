"""Inputs on which a student's function is tried (``drop_invalid`` in q2a).

A function cannot cross a process boundary as data, so the process that runs
the student's code calls it on each probe below and sends out what came back.
The judge then compares those outputs with the reference function's outputs
on the same probes. The probes are no secret: knowing them does not help a
student, who still has to return the right rows.

Shipped inside the autograder zip and into the sandboxed worker; depends on
numpy and pandas only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd


def _missing_and_zero() -> pd.DataFrame:
    # one row of each kind to drop (missing Reaction, missing Subject, Subject 0,
    # Reaction 0) between rows to keep, day 0 among them
    return pd.DataFrame({
        "Subject": [1, 1, np.nan, 0, 2, 2],
        "Days": [0, 1, 2, 3, 4, 5],
        "Reaction": [250.0, np.nan, 260.0, 270.0, 0.0, 280.0],
    })


def _all_valid() -> pd.DataFrame:
    # nothing to drop: two subjects, each measured on day 0 and day 1
    return pd.DataFrame({
        "Subject": [1, 1, 2, 2],
        "Days": [0, 1, 0, 1],
        "Reaction": [250.0, 262.5, 240.5, 255.0],
    })


def _others_kept() -> pd.DataFrame:
    # rows the rule says nothing about, all to keep: a missing Days, day 0, and gaps and zeros in a
    # column of the student's own (Session); then one row to drop, so that returning the input
    # unchanged does not pass by accident
    # (one thing unusual about each row, so a message can say which rule dropped it)
    return pd.DataFrame({
        "Subject": [3, 3, 3, 4, 4],
        "Days": [np.nan, 0, 2, 1, 1],
        "Reaction": [255.5, 265.0, 275.25, 285.0, np.nan],
        "Session": [1.0, 2.0, 0.0, np.nan, 2.0],
    })


#: What each row of ``others_kept`` is, for the message when a row is dropped that should stay.
OTHERS_KEPT_ROWS = {0: "a missing Days", 1: "Days 0", 2: "Session 0 (a column of your own)",
                    3: "a missing Session (a column of your own)"}


def _missing_reaction() -> pd.DataFrame:
    # the public check's example: one row to keep, one to drop
    return pd.DataFrame({"Subject": [1, 1], "Days": [0, 1], "Reaction": [250.0, np.nan]})


def _data_file() -> pd.DataFrame:
    # the seminar's data as 1a reads it (relative to the notebook's folder, where the worker and
    # otter run both put data/), so a hidden test can tell whether a table is what the student's
    # own drop_invalid makes of the file
    return pd.read_csv(DATA_FILE)


#: The data file, relative to the folder the notebook runs in.
DATA_FILE = Path("data") / "sleepstudy.csv"

#: Probe name → a function making a fresh input (so a function that edits its input in place
#: cannot change the next probe).
PROBES: dict[str, Callable[[], pd.DataFrame]] = {
    "missing_and_zero": _missing_and_zero,
    "all_valid": _all_valid,
    "others_kept": _others_kept,
    "missing_reaction": _missing_reaction,
    "data_file": _data_file,
}

#: Which answer names are functions to probe, and with which probes.
FUNCTION_PROBES: dict[str, tuple[str, ...]] = {
    "drop_invalid": tuple(PROBES),
}


def probe_input(probe: str) -> pd.DataFrame:
    """A fresh copy of the input of ``probe``."""
    return PROBES[probe]()

"""Reference answers for the sleepstudy seminar, computed from the data.

Every hidden test compares a student's answer with a function of this module,
so no test carries a number that could drift away from the data. The module
is shipped inside the autograder zip next to the tests and depends only on
libraries of the grading environment (numpy, pandas, statsmodels).

Each function is pure: it takes the data (or a fitted model) and returns the
answer to one part of the seminar. ``expected_answers`` gathers them all under
the names the student notebook uses.
"""

from __future__ import annotations

import hashlib
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

#: Where the notebook (and so the grader, which runs in the submission folder) finds the data.
DATA_RELATIVE_PATH = Path("data") / "sleepstudy.csv"

#: SHA-256 of the published sleepstudy.csv (lme4's data as shipped in pymer4, 180 rows).
#: ``answers`` refuses any other file, so a submission cannot bring its own data
#: to move the reference values.
DATA_SHA256 = "7182ff9b971f0af192b687cf205d473a52475a0fa04db99635a7aaaef898708f"

#: The two subjects whose lines the seminar compares in questions 4 and 6.
Q4_SUBJECTS = (308, 309)
Q6_SUBJECTS = (371, 337)

#: How many subjects question 3c plots, in the order they first appear in the file.
Q3C_SUBJECT_COUNT = 10


def load_sleepstudy(path: str | Path = DATA_RELATIVE_PATH) -> pd.DataFrame:
    """Read the sleepstudy CSV (columns Subject, Days, Reaction)."""
    return pd.read_csv(path)


def data_shape(data: pd.DataFrame) -> tuple[int, int]:
    """Rows and columns of the data (q1a)."""
    return tuple(data.shape)


def value_ranges(data: pd.DataFrame) -> dict[str, float]:
    """Smallest and largest Days and Reaction (q1c), under the notebook's names."""
    return {
        "days_min": data["Days"].min(),
        "days_max": data["Days"].max(),
        "reaction_min": data["Reaction"].min(),
        "reaction_max": data["Reaction"].max(),
    }


def drop_invalid(data: pd.DataFrame) -> pd.DataFrame:
    """Drop rows whose Reaction or Subject is missing or zero (q2a).

    The input is left unchanged; the index of the kept rows is kept as it is.
    """
    key = data[["Reaction", "Subject"]]
    valid = key.notna().all(axis=1) & (key != 0).all(axis=1)
    return data.loc[valid]


def correlation(data: pd.DataFrame) -> float:
    """Pearson correlation of Days and Reaction (q2c)."""
    return float(data["Days"].corr(data["Reaction"], method="pearson"))


def spearman_correlation(data: pd.DataFrame) -> float:
    """Spearman rank correlation of Days and Reaction: a common slip in q2c, not the answer."""
    return float(data["Days"].corr(data["Reaction"], method="spearman"))


def fit_ols(data: pd.DataFrame):
    """OLS fit of ``Reaction ~ Days`` with an intercept (q3a)."""
    return smf.ols("Reaction ~ Days", data=data).fit()


def ols_coefficients(data: pd.DataFrame) -> tuple[float, float]:
    """Intercept and slope of the pooled OLS line (q3a, q3b)."""
    params = fit_ols(data).params
    return float(params["Intercept"]), float(params["Days"])


def first_subjects(data: pd.DataFrame, count: int = Q3C_SUBJECT_COUNT) -> list[int]:
    """The first ``count`` subjects in the order they appear in the file (q3c)."""
    return [int(s) for s in pd.unique(data["Subject"])[:count]]


def subject_line(data: pd.DataFrame, subject: int) -> tuple[float, float]:
    """Slope and intercept of one subject's own least-squares line (q3c, q4a, q4b)."""
    rows = data[data["Subject"] == subject]
    if rows.empty:
        raise KeyError(f"subject {subject} is not in the data")
    slope, intercept = np.polyfit(rows["Days"], rows["Reaction"], deg=1)
    return float(slope), float(intercept)


def subject_lines(data: pd.DataFrame, subjects: list[int]) -> pd.DataFrame:
    """Slope and intercept of each subject's own line, one row per subject."""
    rows = {s: subject_line(data, s) for s in subjects}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["slope", "intercept"])


def fit_random_intercept(data: pd.DataFrame, reml: bool = True):
    """Random-intercept model ``Reaction ~ Days + (1 | Subject)`` (q5a).

    REML is statsmodels' default and what the seminar asks for; ``reml=False``
    gives the maximum-likelihood fit, a slip the tests must recognise.
    """
    model = smf.mixedlm("Reaction ~ Days", data=data, groups=data["Subject"])
    with warnings.catch_warnings():
        # Convergence chatter from the optimiser is not the student's concern here.
        warnings.simplefilter("ignore")
        return model.fit(reml=reml)


def fit_random_slope(data: pd.DataFrame):
    """Random intercept and slope ``Reaction ~ Days + (Days | Subject)``, REML.

    Not asked for in the seminar; used to recognise it when a student fits it
    instead of the random-intercept model.
    """
    model = smf.mixedlm("Reaction ~ Days", data=data, groups=data["Subject"], re_formula="~Days")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit()


def fixed_effects(result) -> tuple[float, float]:
    """Fixed intercept and slope of a fitted MixedLM (q5b)."""
    fe = result.fe_params
    return float(fe.iloc[0]), float(fe.iloc[1])


def group_variance(result) -> float:
    """Variance of the random intercepts of a fitted MixedLM (q5b)."""
    return float(np.asarray(result.cov_re)[0, 0])


def residual_variance(result) -> float:
    """Residual variance of a fitted MixedLM (q5a)."""
    return float(result.scale)


def random_intercepts(result) -> pd.Series:
    """Each subject's random intercept, as a deviation from the fixed intercept (q5c)."""
    values = {int(subject): float(effects.iloc[0]) for subject, effects in result.random_effects.items()}
    series = pd.Series(values, name="random_intercept").sort_index()
    series.index.name = "Subject"
    return series


def mixed_subject_line(result, subject: int) -> tuple[float, float]:
    """Intercept and slope of one subject's line under the random-intercept model (q6a)."""
    intercept, slope = fixed_effects(result)
    return intercept + random_intercepts(result)[subject], slope


def rmse(observed, fitted) -> float:
    """Root mean squared difference between observed and fitted values."""
    residuals = np.asarray(observed, dtype=float) - np.asarray(fitted, dtype=float)
    return float(np.sqrt(np.mean(residuals**2)))


def expected_answers(data: pd.DataFrame) -> dict[str, object]:
    """Every autograded answer of the seminar, under the names the notebook stores it in.

    ``data`` is the raw data as loaded from the CSV. Besides the answers it
    holds what the hidden tests compare wrong answers with (every subject's own
    line, the maximum-likelihood variance, Spearman's correlation), so that a
    judge computes those once per run rather than once per submission.
    """
    clean = drop_invalid(data)
    ols_intercept, ols_slope = ols_coefficients(clean)
    m_308, b_308 = subject_line(clean, Q4_SUBJECTS[0])
    m_309, b_309 = subject_line(clean, Q4_SUBJECTS[1])
    mixed = fit_random_intercept(clean)
    fixed_intercept, fixed_slope = fixed_effects(mixed)
    intercept_1, _ = mixed_subject_line(mixed, Q6_SUBJECTS[0])
    intercept_2, _ = mixed_subject_line(mixed, Q6_SUBJECTS[1])
    return {
        "data_shape": data_shape(data),
        **value_ranges(data),
        "clean_rows": len(clean),
        "correlation": correlation(clean),
        "ols_intercept": ols_intercept,
        "ols_slope": ols_slope,
        "q3c_subjects": first_subjects(clean),
        "m_308": m_308,
        "b_308": b_308,
        "m_309": m_309,
        "b_309": b_309,
        "fixed_intercept": fixed_intercept,
        "fixed_slope": fixed_slope,
        "group_var": group_variance(mixed),
        "residual_var": residual_variance(mixed),
        "random_intercepts": random_intercepts(mixed),
        "subject_1": Q6_SUBJECTS[0],
        "subject_2": Q6_SUBJECTS[1],
        "intercept_1": intercept_1,
        "intercept_2": intercept_2,
        # known slips, recognised by the tests
        "subject_lines": subject_lines(clean, [int(s) for s in pd.unique(clean["Subject"])]),
        "group_var_ml": group_variance(fit_random_intercept(clean, reml=False)),
        "spearman_correlation": spearman_correlation(clean),
    }


@lru_cache(maxsize=4)
def _cached_answers(path: str) -> dict[str, object]:
    return expected_answers(load_sleepstudy(path))


def answers(path: str | Path = DATA_RELATIVE_PATH) -> dict[str, object]:
    """``expected_answers`` for the published data file at ``path``, computed once per process.

    Hidden tests call this: the mixed model is fitted once however many tests ask.
    Raises ``ValueError`` if the file is not the published data.
    """
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != DATA_SHA256:
        raise ValueError(f"{path} is not the published sleepstudy data (SHA-256 {digest[:12]}...)")
    return _cached_answers(str(Path(path).resolve()))

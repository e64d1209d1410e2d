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

#: The two subjects whose lines the seminar compares in questions 4 and 6 (variant 0, the seminar as published).
Q4_SUBJECTS = (308, 309)
Q6_SUBJECTS = (371, 337)

#: How many subjects question 3c plots, in the order they first appear in the file.
Q3C_SUBJECT_COUNT = 10

# Per-student variants. A variant is an explicit choice of subjects, made by the rule below from the
# data; variant 0 is the published seminar. The rule keeps every variant as hard as the original:
# * q3c: ten subjects in a row, in the order the file lists them (the original starts at the first);
# * q4: one steep subject (own slope at least Q4_STEEP_MIN ms/day) and one flat one (own slope between
#   the bounds of Q4_FLAT_SLOPE, so neither falls nor climbs much), whose slopes differ by a gap inside
#   Q4_SLOPE_GAP (the original: 21.76 and 2.26, a gap of 19.5);
# * q6: two subjects whose random intercepts (REML) differ by a gap inside Q6_INTERCEPT_GAP, the lower
#   one first (the original: 371 at -3.29 and 337 at +72.18, a gap of 75.5).
# Each list starts with the original; variant k of VARIANT_COUNT takes the entry k/VARIANT_COUNT of the
# way along each list, so the variants spread over the whole of every list.
VARIANT_COUNT = 12
Q4_STEEP_MIN = 18.0
Q4_FLAT_SLOPE = (0.0, 6.5)
Q4_SLOPE_GAP = (15.0, 20.0)
Q6_INTERCEPT_GAP = (60.0, 90.0)


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


def expected_answers(data: pd.DataFrame, variant: int = 0) -> dict[str, object]:
    """Every autograded answer of the seminar, under the names the notebook stores it in.

    ``data`` is the raw data as loaded from the CSV; ``variant`` picks the subjects of q3c, q4 and q6
    (``variant_subjects``). The names are those of variant 0 (``m_308`` holds the slope of the
    variant's steep subject). Besides the answers it holds what the hidden tests compare wrong answers
    with (every subject's own line, the maximum-likelihood variance, Spearman's correlation), so that
    a judge computes those once per run rather than once per submission.
    """
    return with_variant(base_answers(data), variant)


def base_answers(data: pd.DataFrame) -> dict[str, object]:
    """The answers that are the same in every variant, and what the variants are chosen from."""
    clean = drop_invalid(data)
    ols_intercept, ols_slope = ols_coefficients(clean)
    mixed = fit_random_intercept(clean)
    fixed_intercept, fixed_slope = fixed_effects(mixed)
    return {
        "data_shape": data_shape(data),
        **value_ranges(data),
        "clean_rows": len(clean),
        "correlation": correlation(clean),
        "ols_intercept": ols_intercept,
        "ols_slope": ols_slope,
        "subjects_in_file_order": [int(s) for s in pd.unique(clean["Subject"])],
        "fixed_intercept": fixed_intercept,
        "fixed_slope": fixed_slope,
        "group_var": group_variance(mixed),
        "residual_var": residual_variance(mixed),
        "random_intercepts": random_intercepts(mixed),
        # known slips, recognised by the tests
        "subject_lines": subject_lines(clean, [int(s) for s in pd.unique(clean["Subject"])]),
        "group_var_ml": group_variance(fit_random_intercept(clean, reml=False)),
        "spearman_correlation": spearman_correlation(clean),
    }


def variant_pool(base: dict[str, object]) -> list[dict[str, tuple[int, ...]]]:
    """Every variant's subjects, by the rule above: ``{"q3c": ten ids, "q4": (steep, flat), "q6": (lower, higher)}``."""
    order = base["subjects_in_file_order"]
    windows = [tuple((order * 2)[start:start + Q3C_SUBJECT_COUNT]) for start in range(len(order))]
    slopes = base["subject_lines"]["slope"]
    steep = [s for s in order if slopes[s] >= Q4_STEEP_MIN]
    flat = [s for s in order if Q4_FLAT_SLOPE[0] <= slopes[s] <= Q4_FLAT_SLOPE[1]]
    q4 = [(a, b) for a in steep for b in flat if Q4_SLOPE_GAP[0] <= slopes[a] - slopes[b] <= Q4_SLOPE_GAP[1]]
    deviations = base["random_intercepts"]
    q6 = [(a, b) for a in order for b in order
          if Q6_INTERCEPT_GAP[0] <= deviations[b] - deviations[a] <= Q6_INTERCEPT_GAP[1]]
    q4 = sorted(q4, key=lambda pair: pair != Q4_SUBJECTS)
    q6 = sorted(q6, key=lambda pair: pair != Q6_SUBJECTS)
    def spread(choices: list, k: int):
        return choices[k * len(choices) // VARIANT_COUNT]

    return [{"q3c": spread(windows, k), "q4": spread(q4, k), "q6": spread(q6, k)} for k in range(VARIANT_COUNT)]


def with_variant(base: dict[str, object], variant: int) -> dict[str, object]:
    """``base`` with the answers of ``variant``'s subjects added, under variant 0's names."""
    pool = variant_pool(base)
    if not 0 <= variant < len(pool):
        raise ValueError(f"there is no variant {variant} (there are {len(pool)})")
    chosen = pool[variant]
    lines = base["subject_lines"]
    (steep, flat), (first, second) = chosen["q4"], chosen["q6"]
    deviations = base["random_intercepts"]
    return {
        **base,
        "variant": variant,
        "q3c_subjects": list(chosen["q3c"]),
        "q4_subjects": chosen["q4"],
        "q6_subjects": chosen["q6"],
        "m_308": float(lines.loc[steep, "slope"]),
        "b_308": float(lines.loc[steep, "intercept"]),
        "m_309": float(lines.loc[flat, "slope"]),
        "b_309": float(lines.loc[flat, "intercept"]),
        "subject_1": first,
        "subject_2": second,
        "intercept_1": base["fixed_intercept"] + float(deviations[first]),
        "intercept_2": base["fixed_intercept"] + float(deviations[second]),
    }


def variant_answers(path: str | Path = DATA_RELATIVE_PATH) -> list[dict[str, object]]:
    """Every variant's answers, variant 0 first (what the release makes the variants from)."""
    base = base_answers(load_sleepstudy(path))
    return [with_variant(base, k) for k in range(VARIANT_COUNT)]


def variant_figures(answers_of_variant: dict[str, object]) -> dict[str, object]:
    """What makes one variant comparable with another, for the release's report of the pool."""
    a = answers_of_variant
    return {
        "q3c subjects": " ".join(str(s) for s in a["q3c_subjects"]),
        "q4 steep, flat": f"{a['q4_subjects'][0]}, {a['q4_subjects'][1]}",
        "q4 slopes (ms/day)": f"{a['m_308']:.2f}, {a['m_309']:.2f}",
        "q4 slope gap": round(a["m_308"] - a["m_309"], 2),
        "q6 subjects": f"{a['subject_1']}, {a['subject_2']}",
        "q6 intercepts (ms)": f"{a['intercept_1']:.2f}, {a['intercept_2']:.2f}",
        "q6 intercept gap": round(a["intercept_2"] - a["intercept_1"], 2),
    }


def notebook_substitutions(answers_of_variant: dict[str, object]) -> dict[str, str]:
    """What to replace in the handed-out notebook (text, scaffold and public checks) to make it a variant's.

    A key made of digits is a subject id and is replaced only where it stands alone as a number, so
    ``m_308`` becomes ``m_352`` and ``Subject 308`` becomes ``Subject 352``; every other key is literal.
    """
    a = answers_of_variant
    if a["variant"] == 0:
        return {}
    ten = ", ".join(str(s) for s in a["q3c_subjects"])
    listed = f"[{ten}]"
    return {
        str(Q4_SUBJECTS[0]): str(a["q4_subjects"][0]),
        str(Q4_SUBJECTS[1]): str(a["q4_subjects"][1]),
        str(Q6_SUBJECTS[0]): str(a["q6_subjects"][0]),
        str(Q6_SUBJECTS[1]): str(a["q6_subjects"][1]),
        "**first 10 subjects** (in the order they appear in the\nfile)": f"**ten subjects** {ten}",
        'sleep_study_data["Subject"].unique()[:...]': listed,
        'sleep_study_data["Subject"].unique()[:10]': listed,
        "each of the first 10 subjects": "each of your 10 subjects",
    }


@lru_cache(maxsize=4)
def _cached_base(path: str) -> dict[str, object]:
    return base_answers(load_sleepstudy(path))


@lru_cache(maxsize=64)
def _cached_answers(path: str, variant: int) -> dict[str, object]:
    return with_variant(_cached_base(path), variant)


def answers(path: str | Path = DATA_RELATIVE_PATH, variant: int | None = None) -> dict[str, object]:
    """``expected_answers`` for the published data file at ``path``, computed once per process.

    Hidden tests call this: the mixed model is fitted once however many tests ask. Without
    ``variant`` it is the one the grader assigned to the student being judged (``assigned_variant``).
    Raises ``ValueError`` if the file is not the published data.
    """
    from variant_choice import assigned_variant

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != DATA_SHA256:
        raise ValueError(f"{path} is not the published sleepstudy data (SHA-256 {digest[:12]}...)")
    return _cached_answers(str(Path(path).resolve()), assigned_variant() if variant is None else variant)

"""Reference solution of the second seminar (random slopes and model comparison), computed from the data.

One plain function per answer; the hidden tests compare a student's work with
these values and never carry numbers of their own. Every figure the
specification gives (SEMINAR2.md) is reproduced by ``tests/test_slopes_reference.py``.

Shipped inside this assignment's autograder zip only; never on a student's machine.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

#: The data file, relative to the notebook's folder.
DATA_RELATIVE_PATH = Path("data") / "sleepstudy.csv"
#: The subjects of q5b: two the shared slope serves badly (309 nearly flat, 335 falling) and one typical
#: (variant 0, the seminar as published).
Q5_SUBJECTS = (309, 335, 372)

# Per-student variants: q5b's three subjects, chosen from the data by a rule that keeps every variant as
# hard as the original: two subjects whose own least-squares slope is at most Q5_FLAT_MAX ms/day (the
# shared slope of about 10.5 serves them badly; the original's are 2.26 and -2.88) and one typical
# subject whose own slope lies within Q5_TYPICAL_BAND of the mean slope (372: 11.30 against 10.47).
# The pairs of flat subjects (in file order) and the typical subjects each start with the original;
# variant k of VARIANT_COUNT takes the entry k/VARIANT_COUNT of the way along each list.
VARIANT_COUNT = 12
Q5_FLAT_MAX = 6.5
Q5_TYPICAL_BAND = 1.5
#: Days 0-1 were adaptation and training; day 2 is the baseline of the deprivation (q7a).
FIRST_DEPRIVED_DAY = 2


def load_sleepstudy(path: str | Path = DATA_RELATIVE_PATH) -> pd.DataFrame:
    """The data as the notebook reads it."""
    return pd.read_csv(path)


def subject_slopes(data: pd.DataFrame) -> pd.Series:
    """Each subject's own least-squares slope of Reaction on Days, indexed by Subject (q1a)."""
    slopes = {subject: np.polyfit(rows["Days"], rows["Reaction"], deg=1)[0]
              for subject, rows in data.groupby("Subject", sort=False)}
    return pd.Series(slopes, name="slope", dtype=float)


def _mixedlm(data: pd.DataFrame, formula: str = "Reaction ~ Days", **options):
    import statsmodels.formula.api as smf

    return smf.mixedlm(formula, data, groups=data["Subject"], **options)


def _fit(model, reml: bool = True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on a fit that converges
        return model.fit(reml=reml)


def fit_ols(data: pd.DataFrame):
    """OLS of Reaction on Days (q2a)."""
    import statsmodels.formula.api as smf

    return smf.ols("Reaction ~ Days", data).fit()


def fit_random_intercept(data: pd.DataFrame, reml: bool = True):
    """``Reaction ~ Days + (1 | Subject)`` (q2a; by maximum likelihood in q6a)."""
    return _fit(_mixedlm(data), reml)


def fit_random_slope(data: pd.DataFrame):
    """A random slope of Days and no random intercept, REML (q3a): ``(0 + Days | Subject)``."""
    return _fit(_mixedlm(data, re_formula="0", vc_formula={"Days": "0 + Days"}))


def fit_intercept_and_slope(data: pd.DataFrame, reml: bool = True, formula: str = "Reaction ~ Days",
                            re_formula: str = "~Days"):
    """``Reaction ~ Days + (Days | Subject)``: correlated random intercept and slope (q4a, q6a, q7a)."""
    return _fit(_mixedlm(data, formula, re_formula=re_formula), reml)


def rmse(observed, fitted) -> float:
    """Root mean squared difference between the data and a model's fitted values."""
    observed, fitted = np.asarray(observed, dtype=float), np.asarray(fitted, dtype=float)
    return float(np.sqrt(np.mean((observed - fitted) ** 2)))


def covariance_table(result) -> pd.DataFrame:
    """The 2×2 covariance of the random intercept and slope, rows and columns named as the fit names them."""
    return pd.DataFrame(np.asarray(result.cov_re, dtype=float), index=result.cov_re.index, columns=result.cov_re.columns)


def correlation(cov: pd.DataFrame) -> float:
    """The correlation of the random intercept and slope, from their covariance table."""
    values = np.asarray(cov, dtype=float)
    return float(values[0, 1] / np.sqrt(values[0, 0] * values[1, 1]))


def subject_lines(result) -> pd.DataFrame:
    """Each subject's line under an intercept-and-slope fit: fixed effects plus that subject's random effects (q5a)."""
    intercept, slope = np.asarray(result.fe_params, dtype=float)[:2]
    rows = {subject: (intercept + float(effects.iloc[0]), slope + float(effects.iloc[1]))
            for subject, effects in result.random_effects.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["intercept", "slope"])


def likelihood_ratio(simpler, fuller) -> dict[str, float]:
    """The likelihood-ratio test of two nested ML fits (q6a): statistic, degrees of freedom, p-values.

    The fuller model adds a random-slope variance and its covariance: 2 parameters.
    The χ² p-value is the usual one; the variance sits on the boundary of its
    range, so a 50:50 mixture of χ²₁ and χ²₂ is also right (and smaller).
    """
    from scipy import stats

    statistic = 2 * (float(fuller.llf) - float(simpler.llf))
    df = len(fuller.params) - len(simpler.params)
    return {"lr_stat": statistic, "lr_df": df, "lr_pvalue": float(stats.chi2.sf(statistic, df)),
            "lr_pvalue_mixture": float(0.5 * stats.chi2.sf(statistic, df - 1) + 0.5 * stats.chi2.sf(statistic, df))}


def adaptation_data(data: pd.DataFrame) -> pd.DataFrame:
    """Days 2-9 only, with ``days_deprived`` counted from day 2 (q7a)."""
    kept = data[data["Days"] >= FIRST_DEPRIVED_DAY].copy()
    kept["days_deprived"] = kept["Days"] - FIRST_DEPRIVED_DAY
    return kept


def fit_adaptation(data: pd.DataFrame):
    """The intercept-and-slope model on days 2-9, days counted from day 2, REML (q7a)."""
    return fit_intercept_and_slope(adaptation_data(data), formula="Reaction ~ days_deprived",
                                   re_formula="~days_deprived")


def expected_answers(data: pd.DataFrame) -> dict[str, object]:
    """Every value the hidden tests compare with, and the slips they recognise."""
    ols, ri, rs, rirs = fit_ols(data), fit_random_intercept(data), fit_random_slope(data), fit_intercept_and_slope(data)
    ri_ml, rirs_ml = fit_random_intercept(data, reml=False), fit_intercept_and_slope(data, reml=False)
    adapt = fit_adaptation(data)
    not_recounted = fit_intercept_and_slope(data[data["Days"] >= FIRST_DEPRIVED_DAY])
    cov = covariance_table(rirs)
    answers: dict[str, object] = {
        "n_rows": len(data),
        "subject_slopes": subject_slopes(data),
        "rmse_ols": rmse(data["Reaction"], ols.fittedvalues),
        "rmse_ri": rmse(data["Reaction"], ri.fittedvalues),
        "rmse_rirs": rmse(data["Reaction"], rirs.fittedvalues),
        # the slip of q2a and q4a: .predict() gives the fixed effects' line only
        "rmse_fixed_only": rmse(data["Reaction"], ri.predict()),
        "ri_group_var": float(ri.cov_re.iloc[0, 0]),
        "ri_fe_params": np.asarray(ri.fe_params, dtype=float),
        "ols_params": np.asarray(ols.params, dtype=float),
        "rs_days_var": float(rs.vcomp[0]),
        "rs_fe_params": np.asarray(rs.fe_params, dtype=float),
        "rirs_cov_re": cov,
        "rirs_fe_params": np.asarray(rirs.fe_params, dtype=float),
        "rirs_scale": float(rirs.scale),
        "slope_intercept_corr": correlation(cov),
        "subject_lines": subject_lines(rirs),
        "ri_lines": pd.DataFrame({"intercept": float(ri.fe_params.iloc[0]) + pd.Series({s: float(e.iloc[0]) for s, e in ri.random_effects.items()}),
                                  "slope": float(ri.fe_params.iloc[1])}),
        "aic_ri": float(ri_ml.aic),
        "aic_rirs": float(rirs_ml.aic),
        "reml_lr_stat": 2 * (float(rirs.llf) - float(ri.llf)),
        "adapt_rows": len(adaptation_data(data)),
        "adapt_fe_params": np.asarray(adapt.fe_params, dtype=float),
        "adapt_cov_re": np.asarray(adapt.cov_re, dtype=float),
        "adapt_not_recounted_intercept": float(not_recounted.fe_params.iloc[0]),
    }
    answers.update(likelihood_ratio(ri_ml, rirs_ml))
    return answers


def variant_pool(base: dict[str, object]) -> list[tuple[int, int, int]]:
    """Every variant's q5b subjects by the rule above: (flat, flat, typical), variant 0 the published ones."""
    slopes = base["subject_slopes"]
    order = [int(s) for s in slopes.index]
    flat = [s for s in order if slopes[s] <= Q5_FLAT_MAX]
    pairs = [(a, b) for i, a in enumerate(flat) for b in flat[i + 1:]]
    typical = [s for s in order if abs(slopes[s] - slopes.mean()) <= Q5_TYPICAL_BAND]
    pairs = sorted(pairs, key=lambda pair: pair != Q5_SUBJECTS[:2])
    typical = sorted(typical, key=lambda s: s != Q5_SUBJECTS[2])

    def spread(choices: list, k: int):
        return choices[k * len(choices) // VARIANT_COUNT]

    return [(*spread(pairs, k), spread(typical, k)) for k in range(VARIANT_COUNT)]


def with_variant(base: dict[str, object], variant: int) -> dict[str, object]:
    """``base`` with ``variant``'s q5b subjects."""
    pool = variant_pool(base)
    if not 0 <= variant < len(pool):
        raise ValueError(f"there is no variant {variant} (there are {len(pool)})")
    return {**base, "variant": variant, "q5_subjects": pool[variant]}


def variant_answers(path: str | Path = DATA_RELATIVE_PATH) -> list[dict[str, object]]:
    """Every variant's answers, variant 0 first (what the release makes the variants from)."""
    base = expected_answers(load_sleepstudy(path))
    return [with_variant(base, k) for k in range(VARIANT_COUNT)]


def variant_figures(answers_of_variant: dict[str, object]) -> dict[str, object]:
    """What makes one variant comparable with another, for the release's report of the pool."""
    a = answers_of_variant
    slopes, lines = a["subject_slopes"], a["subject_lines"]
    return {
        "q5b subjects": ", ".join(str(s) for s in a["q5_subjects"]),
        "own slopes (ms/day)": ", ".join(f"{slopes[s]:.2f}" for s in a["q5_subjects"]),
        "intercept-and-slope model's slopes": ", ".join(f"{lines.loc[s, 'slope']:.2f}" for s in a["q5_subjects"]),
    }


def notebook_substitutions(answers_of_variant: dict[str, object]) -> dict[str, str]:
    """What to replace in the handed-out notebook to make it a variant's: q5's three subject ids (each
    replaced only where it stands alone as a number)."""
    a = answers_of_variant
    if a["variant"] == 0:
        return {}
    return {str(old): str(new) for old, new in zip(Q5_SUBJECTS, a["q5_subjects"])}


@lru_cache(maxsize=4)
def _cached_base(path: str) -> dict[str, object]:
    return expected_answers(load_sleepstudy(path))


def answers(path: str | Path = DATA_RELATIVE_PATH, variant: int | None = None) -> dict[str, object]:
    """The reference answers for the data file at ``path`` (computed once per process); without ``variant``,
    those of the variant the grader assigned to the student being judged (``assigned_variant``)."""
    from variant_choice import assigned_variant

    return with_variant(_cached_base(str(path)), assigned_variant() if variant is None else variant)

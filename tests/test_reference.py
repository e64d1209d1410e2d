"""The reference solution module reproduces the published sleepstudy figures.

Each expected number below is quoted with the call that published it. The
tolerance is chosen per quantity: published figures are rounded, so each
check allows half a unit in the last published digit.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

import sleepstudy_reference as ref
from conftest import REPO, SHARED_DATA

DATA = REPO / "source" / "sleepstudy-lmm" / "data" / "sleepstudy.csv"


def within_rounding(value: float, published: str) -> bool:
    """True when ``value`` rounds to the published figure (half a unit in its last digit)."""
    decimals = len(published.split(".")[1]) if "." in published else 0
    return abs(value - float(published)) <= 0.5 * 10**-decimals + 1e-12


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return ref.load_sleepstudy(DATA)


@pytest.fixture(scope="module")
def random_intercept(data):
    return ref.fit_random_intercept(data)


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="shared/ is not beside this checkout")
def test_shipped_data_is_the_shared_data():
    assert DATA.read_bytes() == SHARED_DATA.read_bytes()


def test_data_checksum_matches_the_shipped_file():
    assert hashlib.sha256(DATA.read_bytes()).hexdigest() == ref.DATA_SHA256


def test_answers_refuse_other_data(tmp_path):
    altered = tmp_path / "sleepstudy.csv"
    altered.write_text(DATA.read_text().replace("249.56", "149.56"))
    with pytest.raises(ValueError, match="not the published sleepstudy data"):
        ref.answers(altered)


# R: dim(lme4::sleepstudy); range(sleepstudy$Reaction)
def test_data_overview(data):
    assert ref.data_shape(data) == (180, 3)
    ranges = ref.value_ranges(data)
    assert (ranges["days_min"], ranges["days_max"]) == (0, 9)
    assert within_rounding(ranges["reaction_min"], "194.3322")
    assert within_rounding(ranges["reaction_max"], "466.3535")


def test_drop_invalid_keeps_all_published_rows(data):
    assert len(ref.drop_invalid(data)) == 180


def test_drop_invalid_drops_missing_and_zero_but_not_day_zero():
    frame = pd.DataFrame({"Subject": [1, 1, np.nan, 0, 2], "Days": [0, 1, 2, 3, 0],
                          "Reaction": [250.0, np.nan, 1.0, 1.0, 0.0]})
    assert ref.drop_invalid(frame)["Days"].tolist() == [0]


# R: cor(sleepstudy$Days, sleepstudy$Reaction)
def test_pearson_correlation(data):
    assert within_rounding(ref.correlation(data), "0.535230")


def test_spearman_differs_from_pearson(data):
    assert abs(ref.spearman_correlation(data) - ref.correlation(data)) > 0.01


# R: summary(lm(Reaction ~ Days, sleepstudy))
def test_ols_fit(data):
    fit = ref.fit_ols(data)
    intercept, slope = ref.ols_coefficients(data)
    assert within_rounding(intercept, "251.4051")
    assert within_rounding(slope, "10.4673")
    assert within_rounding(fit.bse["Intercept"], "6.610")
    assert within_rounding(fit.bse["Days"], "1.238")
    assert within_rounding(fit.rsquared, "0.286")


def test_first_ten_subjects_in_file_order(data):
    assert ref.first_subjects(data) == [308, 309, 310, 330, 331, 332, 333, 334, 335, 337]


# R: coef(lm(Reaction ~ Days, subset(sleepstudy, Subject == 308)))  (and 309)
@pytest.mark.parametrize(("subject", "slope", "intercept"), [(308, "21.7647", "244.1927"), (309, "2.2618", "205.0549")])
def test_subject_lines(data, subject, slope, intercept):
    fitted_slope, fitted_intercept = ref.subject_line(data, subject)
    assert within_rounding(fitted_slope, slope)
    assert within_rounding(fitted_intercept, intercept)


# R: summary(lmer(Reaction ~ Days + (1 | Subject), sleepstudy))  (REML)
def test_random_intercept_model(random_intercept):
    intercept, slope = ref.fixed_effects(random_intercept)
    assert within_rounding(intercept, "251.405")
    assert within_rounding(slope, "10.467")
    assert within_rounding(random_intercept.bse_fe["Intercept"], "9.747")
    assert within_rounding(random_intercept.bse_fe["Days"], "0.804")
    assert within_rounding(ref.group_variance(random_intercept), "1378.18")
    assert within_rounding(ref.residual_variance(random_intercept), "960.46")
    assert within_rounding(random_intercept.llf, "-893.23")


# R: ranef(lmer(Reaction ~ Days + (1 | Subject), sleepstudy))$Subject
def test_random_intercepts(random_intercept):
    deviations = ref.random_intercepts(random_intercept)
    assert len(deviations) == 18
    assert within_rounding(deviations[337], "72.18")
    assert within_rounding(deviations[309], "-77.85")
    assert within_rounding(deviations[371], "-3.29")


# R: coef(lmer(Reaction ~ Days + (1 | Subject), sleepstudy))$Subject[c("371", "337"), ]
def test_mixed_model_subject_lines(random_intercept):
    assert [round(v, 2) for v in ref.mixed_subject_line(random_intercept, 371)] == [248.11, 10.47]
    assert [round(v, 2) for v in ref.mixed_subject_line(random_intercept, 337)] == [323.59, 10.47]


# R: VarCorr(lmer(Reaction ~ Days + (Days | Subject), sleepstudy))  (lme4's documented example)
def test_random_slope_model(data):
    fit = ref.fit_random_slope(data)
    cov = np.asarray(fit.cov_re)
    assert within_rounding(cov[0, 0], "612.10")
    assert within_rounding(cov[0, 1], "9.60")
    assert within_rounding(cov[1, 1], "35.07")
    assert within_rounding(fit.scale, "654.94")


# RMSE of fitted values: sqrt(mean(residuals(m)^2)) for lm, the random-intercept and the random-slope lmer fits
def test_rmse_of_the_three_models(data, random_intercept):
    assert within_rounding(ref.rmse(data["Reaction"], ref.fit_ols(data).fittedvalues), "47.45")
    assert within_rounding(ref.rmse(data["Reaction"], random_intercept.fittedvalues), "29.41")
    assert within_rounding(ref.rmse(data["Reaction"], ref.fit_random_slope(data).fittedvalues), "23.44")


def test_maximum_likelihood_fit_is_told_apart_from_reml(data, random_intercept):
    ml = ref.fit_random_intercept(data, reml=False)
    assert abs(ref.group_variance(ml) / ref.group_variance(random_intercept) - 1) > 0.01


def test_expected_answers_cover_every_autograded_name(data):
    answers = ref.expected_answers(data)
    for name in ["data_shape", "days_min", "days_max", "reaction_min", "reaction_max", "correlation",
                 "ols_intercept", "ols_slope", "m_308", "b_308", "m_309", "b_309", "fixed_intercept",
                 "fixed_slope", "group_var", "random_intercepts", "subject_1", "subject_2",
                 "intercept_1", "intercept_2"]:
        assert name in answers
    assert (answers["subject_1"], answers["subject_2"]) == (371, 337)
    assert round(answers["intercept_1"], 2) == 248.11 and round(answers["intercept_2"], 2) == 323.59

"""The second seminar's reference module reproduces every figure SEMINAR2.md gives.

Each expected number is quoted with the call that published it (lme4 or the course
text's statsmodels output). Published figures are rounded: each check allows half a
unit in the last published digit.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from conftest import REPO, SHARED_DATA
from test_reference import within_rounding

FOLDER = REPO / "source" / "sleepstudy-slopes"
DATA = FOLDER / "data" / "sleepstudy.csv"


def _load_reference():
    # the module is imported by name inside the zip; here from its folder, beside the first seminar's
    spec = importlib.util.spec_from_file_location("slopes_reference", FOLDER / "slopes_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _load_reference()


@pytest.fixture(scope="module")
def answers() -> dict:
    return ref.answers(DATA)


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="shared/ is not beside this checkout")
def test_shipped_data_is_the_shared_data():
    assert DATA.read_bytes() == SHARED_DATA.read_bytes()


@pytest.mark.parametrize(("statistic", "published"), [
    ("min", "-2.881"), ("max", "21.765"), ("mean", "10.467"), ("std", "6.558"),
])
def test_subject_slopes(answers, statistic, published):
    # SEMINAR2.md q1a: lm(Reaction ~ Days) per subject; min 335, max 308
    assert within_rounding(getattr(answers["subject_slopes"], statistic)(), published)


def test_the_flattest_and_steepest_subjects(answers):
    assert (answers["subject_slopes"].idxmin(), answers["subject_slopes"].idxmax()) == (335, 308)


@pytest.mark.parametrize(("name", "published"), [
    ("rmse_ols", "47.4489"),   # course text: RMSE of lm(Reaction ~ Days)'s fitted values, 47.45
    ("rmse_ri", "29.4106"),    # (1 | Subject), REML fitted values, 29.41
    ("rmse_rirs", "23.4381"),  # (Days | Subject), REML fitted values, 23.44
])
def test_rmse_of_each_model(answers, name, published):
    assert within_rounding(answers[name], published)


def test_predict_leaves_the_random_effects_out(answers):
    # .predict() of a MixedLM result gives the fixed effects only: the OLS line here
    assert np.isclose(answers["rmse_fixed_only"], answers["rmse_ols"])


def test_random_slope_only(answers):
    # course text, statsmodels mixedlm(..., re_formula="0", vc_formula={"Days": "0 + Days"}): Days Var 52.707, s.e. 1.870
    assert within_rounding(answers["rs_days_var"], "52.707")
    assert within_rounding(answers["rs_fe_params"][1], "10.467")


@pytest.mark.parametrize(("cell", "published"), [((0, 0), "612.10"), ((1, 1), "35.07"), ((0, 1), "9.605")])
def test_intercept_and_slope_covariance(answers, cell, published):
    # lmer(Reaction ~ Days + (Days | Subject), sleepstudy): variances 612.10 and 35.07; course text: covariance 9.605
    assert within_rounding(answers["rirs_cov_re"].iloc[cell], published)


def test_intercept_and_slope_correlation_and_residual(answers):
    # lme4's documented example: correlation 0.066 (0.0656), residual variance 654.94
    assert within_rounding(answers["slope_intercept_corr"], "0.0656")
    assert within_rounding(answers["rirs_scale"], "654.94")


@pytest.mark.parametrize(("subject", "intercept", "slope"), [
    (309, "211.006", "1.848"),   # coef(lmer(...))$Subject["309", ]
    (335, "251.071", "-0.285"),
    (372, "263.720", "11.751"),
])
def test_subject_lines_are_fixed_plus_random_effects(answers, subject, intercept, slope):
    line = answers["subject_lines"].loc[subject]
    assert within_rounding(line["intercept"], intercept) and within_rounding(line["slope"], slope)


def test_likelihood_ratio_test_and_aic(answers):
    # anova(ri_ml, rirs_ml): Chisq 42.139 on 2 df, p 7.07e-10; AIC 1802.08 and 1763.94
    assert within_rounding(answers["lr_stat"], "42.139") and answers["lr_df"] == 2
    assert np.isclose(answers["lr_pvalue"], 7.07e-10, rtol=1e-3)
    assert np.isclose(answers["lr_pvalue_mixture"], 3.96e-10, rtol=2e-3)  # 50:50 mixture of chi2(1) and chi2(2)
    assert within_rounding(answers["aic_ri"], "1802.08") and within_rounding(answers["aic_rirs"], "1763.94")


def test_reml_likelihoods_give_another_statistic(answers):
    # the slip q6a recognises: the same difference of REML log-likelihoods
    assert abs(answers["reml_lr_stat"] - answers["lr_stat"]) > 0.5


def test_adaptation_model(answers):
    # days 2-9, days_deprived = Days - 2, (days_deprived | Subject), REML: 267.967 and 11.435;
    # variances 958.36 and 45.78, covariance 37.21
    assert answers["adapt_rows"] == 144
    assert within_rounding(answers["adapt_fe_params"][0], "267.967") and within_rounding(answers["adapt_fe_params"][1], "11.435")
    cov = answers["adapt_cov_re"]
    assert within_rounding(cov[0, 0], "958.36") and within_rounding(cov[1, 1], "45.78") and within_rounding(cov[0, 1], "37.21")


def test_the_reference_holds_no_typed_in_figures():
    text = (FOLDER / "slopes_reference.py").read_text()
    for figure in ("47.44", "29.41", "23.43", "52.70", "612.0", "42.13", "1802.0", "267.96"):
        assert figure not in text

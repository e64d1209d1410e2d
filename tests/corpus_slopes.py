"""The second seminar's corpus: its solution with a few answer cells changed, as students would.

Each ``Variant`` edits the solution's answer cells (``edits``: text and replacement)
or replaces one whole (``answers``). A correct route must get full marks; a
one-mistake case loses exactly ``points`` (question → points earned), and its
feedback names the mistake (``messages``). Where a mistake carries into a later
part that uses its result, the later loss is written out and explained.
"""

from __future__ import annotations

from corpus import Variant, code

Q = {"q1a": 1, "q1b": 1, "q2a": 1, "q3a": 1, "q4a": 1, "q5a": 1, "q5b": 1, "q6a": 1, "q7a": 1}

CORRECT_SLOPES = [
    # the array API names the intercept "const": the student's 5b uses that name too
    Variant("array_api_fits", {}, edits={"q5b": (('ols_model.params["Intercept"]', 'ols_model.params["const"]'),), "q2a": ((
        'ols_model = smf.ols("Reaction ~ Days", data=sleep_study_data).fit()\n'
        'ri_model = smf.mixedlm("Reaction ~ Days", data=sleep_study_data, groups=sleep_study_data["Subject"]).fit()',
        "import statsmodels.api as sm\n"
        'exog = sm.add_constant(sleep_study_data["Days"])\n'
        'ols_model = sm.OLS(sleep_study_data["Reaction"], exog).fit()\n'
        'ri_model = sm.MixedLM(sleep_study_data["Reaction"], exog, groups=sleep_study_data["Subject"]).fit()'),)}),
    Variant("groups_by_column_name", {}, edits={
        "q3a": (('groups=sleep_study_data["Subject"]', 'groups="Subject"'),),
        "q4a": (('groups=sleep_study_data["Subject"]', 'groups="Subject"'),),
    }),
    Variant("re_formula_without_tilde_and_another_optimizer", {}, edits={"q4a": (
        ('re_formula="~Days").fit()', 're_formula="Days").fit(method="lbfgs")'),)}),
    Variant("random_slope_as_a_random_effect_without_intercept", {}, edits={"q3a": (
        ('re_formula="0", vc_formula={"Days": "0 + Days"}).fit()', 're_formula="0 + Days").fit()'),
        ("rs_days_var = rs_model.vcomp[0]", "rs_days_var = rs_model.cov_re.iloc[0, 0]"))}),
    Variant("mixture_p_value", {}, edits={"q6a": (
        ("lr_pvalue = stats.chi2.sf(lr_stat, lr_df)",
         "lr_pvalue = 0.5 * stats.chi2.sf(lr_stat, 1) + 0.5 * stats.chi2.sf(lr_stat, 2)  # the variance is on its boundary"),)}),
    Variant("degrees_of_freedom_counted_from_the_fits", {}, edits={"q6a": (
        ("lr_df = 2  # the slope variance and the intercept-slope covariance", "lr_df = len(rirs_ml.params) - len(ri_ml.params)"),)}),
    Variant("fitted_values_by_hand", {}, edits={"q2a": (
        ('rmse_ri = rmse(sleep_study_data["Reaction"], ri_model.fittedvalues)',
         'own_intercepts = sleep_study_data["Subject"].map({s: e.iloc[0] for s, e in ri_model.random_effects.items()})\n'
         'by_hand = ri_model.fe_params["Intercept"] + own_intercepts + ri_model.fe_params["Days"] * sleep_study_data["Days"]\n'
         'rmse_ri = rmse(sleep_study_data["Reaction"], by_hand)'),)}),
    Variant("rmse_with_sklearn_style_formula", {}, edits={"q4a": (
        ('rmse_rirs = rmse(sleep_study_data["Reaction"], rirs_model.fittedvalues)',
         'rmse_rirs = float(np.sqrt(((sleep_study_data["Reaction"] - rirs_model.fittedvalues) ** 2).sum() / len(sleep_study_data)))'),)}),
    Variant("subject_lines_from_a_table_in_another_order", {"q5a": code("""
        effects = pd.DataFrame(rirs_model.random_effects).T
        subject_lines = pd.DataFrame({
            "intercept": rirs_model.fe_params["Intercept"] + effects.iloc[:, 0],
            "slope": rirs_model.fe_params["Days"] + effects["Days"],
        }).sort_values("slope", ascending=False)
    """)}),
    Variant("all_lines_in_one_axes_with_a_legend", {"q5b": code("""
        fig_5b, ax = plt.subplots(figsize=(8, 5))
        days = np.arange(10)
        ax.plot(days, ols_model.params["Intercept"] + ols_model.params["Days"] * days, color="black", label="OLS")
        for subject in [309, 335, 372]:
            rows = sleep_study_data[sleep_study_data["Subject"] == subject]
            ax.scatter(rows["Days"], rows["Reaction"], label=f"Subject {subject}")
            ri_intercept = ri_model.fe_params["Intercept"] + ri_model.random_effects[subject].iloc[0]
            ax.plot(days, ri_intercept + ri_model.fe_params["Days"] * days, linestyle="--", label=f"{subject}: random intercept")
            line = subject_lines.loc[subject]
            ax.plot(days, line["intercept"] + line["slope"] * days, label=f"{subject}: random intercept and slope")
        ax.set_xlabel("Days")
        ax.set_ylabel("Reaction time (ms)")
        ax.legend(fontsize="x-small")
        plt.show()
    """)}),
    Variant("slopes_with_linregress", {"q1a": code("""
        from scipy.stats import linregress
        sleep_study_data = pd.read_csv("data/sleepstudy.csv")
        subject_slopes = sleep_study_data.groupby("Subject").apply(lambda rows: linregress(rows["Days"], rows["Reaction"]).slope)
    """)}),
    Variant("seaborn_histogram_of_the_slopes", {"q1b": code("""
        import seaborn as sns
        fig_1b, ax = plt.subplots()
        sns.histplot(subject_slopes, bins=6, ax=ax)
        ax.set_xlabel("Own slope (ms per day)")
        ax.set_ylabel("Subjects")
        plt.show()
    """)}),
    Variant("adaptation_data_with_query_and_assign", {"q7a": code("""
        adaptation = sleep_study_data.query("Days >= 2").assign(days_deprived=lambda d: d["Days"] - 2)
        adapt_model = smf.mixedlm("Reaction ~ days_deprived", adaptation, groups="Subject", re_formula="~days_deprived").fit()
        adapt_intercept = adapt_model.fe_params["Intercept"]
        adapt_slope = adapt_model.fe_params["days_deprived"]
    """)}),
    Variant("checks_deleted_and_names_reused_at_the_end", {}, without_checks=True, final_cells=(code("""
        rirs_model = rirs_ml
        subject_slopes = subject_slopes.to_numpy()
    """),)),
]

WRONG_SLOPES = [
    # q1a
    Variant("polyfit_intercepts_for_slopes", {}, edits={"q1a": (
        ('np.polyfit(rows["Days"], rows["Reaction"], deg=1)[0]', 'np.polyfit(rows["Days"], rows["Reaction"], deg=1)[1]'),)},
        # 1b's histogram of the student's own (wrong) values is not a histogram of the slopes
        points={"q1a": 0.25, "q1b": 0.5}, messages={"q1a": "these are the intercepts"}),
    Variant("slopes_of_days_on_reaction", {}, edits={"q1a": (
        ('np.polyfit(rows["Days"], rows["Reaction"], deg=1)[0]', 'np.polyfit(rows["Reaction"], rows["Days"], deg=1)[0]'),)},
        points={"q1a": 0.25, "q1b": 0.5}, messages={"q1a": "are not the least-squares slopes"}),
    # q1b
    Variant("histogram_of_reaction_times", {}, edits={"q1b": (("ax.hist(subject_slopes,", 'ax.hist(sleep_study_data["Reaction"],'),)},
            points={"q1b": 0.5}, messages={"q1b": "the bars do not count the 18 values"}),
    Variant("slope_histogram_left_unlabelled", {}, edits={"q1b": (
        ('ax.set_xlabel("Slope of Reaction on Days (ms per day)")', 'ax.set_xlabel("...")'),)},
        points={"q1b": 0.5}, messages={"q1b": 'the x-axis label still reads "..."'}),
    # q2a
    Variant("rmse_of_predict", {}, edits={"q2a": (
        ('rmse_ri = rmse(sleep_study_data["Reaction"], ri_model.fittedvalues)',
         'rmse_ri = rmse(sleep_study_data["Reaction"], ri_model.predict())'),)},
        points={"q2a": 0.75}, messages={"q2a": "this is the RMSE of .predict()"}),
    Variant("mean_squared_error_not_its_root", {}, edits={"q2a": (
        ("return np.sqrt(np.mean((observed - fitted) ** 2))", "return np.mean((observed - fitted) ** 2)"),)},
        # the same rmse() serves 4a later
        points={"q2a": 0.5, "q4a": 0.75}, messages={"q2a": "mean squared error"}),
    Variant("random_intercept_model_by_ml", {}, edits={"q2a": (
        ('groups=sleep_study_data["Subject"]).fit()', 'groups=sleep_study_data["Subject"]).fit(reml=False)'),)},
        # (its fitted values are within the RMSE's tolerance); 5b draws the ML model's lines, not the REML ones
        points={"q2a": 0.75, "q5b": 0.5}, messages={"q2a": "fitted by maximum likelihood"}),
    # q3a
    Variant("random_intercept_and_slope_where_slope_only", {}, edits={"q3a": (
        ('re_formula="0", vc_formula={"Days": "0 + Days"}).fit()', 're_formula="~Days").fit()'),
        ("rs_days_var = rs_model.vcomp[0]", "rs_days_var = rs_model.cov_re.iloc[1, 1]"))},
        points={"q3a": 0}, messages={"q3a": "has a random intercept and a random slope of Days; the question asks for a random slope"}),
    Variant("random_intercept_where_slope_only", {}, edits={"q3a": (
        ('re_formula="0", vc_formula={"Days": "0 + Days"}).fit()', ").fit()"),
        ("rs_days_var = rs_model.vcomp[0]", "rs_days_var = rs_model.cov_re.iloc[0, 0]"))},
        points={"q3a": 0}, messages={"q3a": "has a random intercept; the question asks for a random slope"}),
    Variant("slope_standard_deviation_for_its_variance", {}, edits={"q3a": (
        ("rs_days_var = rs_model.vcomp[0]", "rs_days_var = np.sqrt(rs_model.vcomp[0])"),)},
        points={"q3a": 0.5}, messages={"q3a": "this is the standard deviation"}),
    # q4a
    Variant("covariance_for_correlation", {}, edits={"q4a": (
        ("slope_intercept_corr = rirs_cov_re.iloc[0, 1] / np.sqrt(rirs_cov_re.iloc[0, 0] * rirs_cov_re.iloc[1, 1])",
         "slope_intercept_corr = rirs_cov_re.iloc[0, 1]"),)},
        points={"q4a": 0.75}, messages={"q4a": "this is the covariance"}),
    Variant("rmse_rirs_of_predict", {}, edits={"q4a": (
        ('rmse_rirs = rmse(sleep_study_data["Reaction"], rirs_model.fittedvalues)',
         'rmse_rirs = rmse(sleep_study_data["Reaction"], rirs_model.predict())'),)},
        points={"q4a": 0.75}, messages={"q4a": "this is the RMSE of .predict()"}),
    Variant("intercept_and_slope_fitted_by_ml", {}, edits={"q4a": (
        ('re_formula="~Days").fit()', 're_formula="~Days").fit(reml=False)'),)},
        # the ML estimates differ in every number 4a asks for, and the lines 5a and 5b build from them
        points={"q4a": 0, "q5a": 0, "q5b": 0.5}, messages={"q4a": "fitted by maximum likelihood"}),
    Variant("standard_deviations_for_covariances", {}, edits={"q4a": (
        ("rirs_cov_re = rirs_model.cov_re", "rirs_cov_re = np.sqrt(rirs_model.cov_re.abs())"),)},
        # the correlation the scaffold computes from it is then another number too
        points={"q4a": 0.5}, messages={"q4a": "these are standard deviations"}),
    # q5a
    Variant("random_effects_without_the_fixed_effects", {}, edits={"q5a": (
        ('"intercept": fixed_intercept + effects.iloc[0], "slope": fixed_slope + effects.iloc[1]',
         '"intercept": effects.iloc[0], "slope": effects.iloc[1]'),)},
        # 5b draws its third line from these rows
        points={"q5a": 0, "q5b": 0.5}, messages={"q5a": "these are the random effects alone"}),
    Variant("subject_lines_of_the_random_intercept_model", {"q5a": code("""
        subject_lines = pd.DataFrame(
            {subject: {"intercept": ri_model.fe_params["Intercept"] + effects.iloc[0], "slope": ri_model.fe_params["Days"]}
             for subject, effects in ri_model.random_effects.items()}
        ).T
    """)}, points={"q5a": 0, "q5b": 0.5}, messages={"q5a": "random-intercept model's lines"}),
    # q5b
    Variant("two_subjects_only", {}, edits={"q5b": (
        ("fig_5b, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)", "fig_5b, axes = plt.subplots(1, 2, figsize=(8, 4), sharey=True)"),
        ("for ax, subject in zip(axes, [309, 335, 372]):", "for ax, subject in zip(axes, [309, 335]):"))},
        points={"q5b": 0.25}, messages={"q5b": "no random-intercept line for subject 372"}),
    Variant("no_ols_line", {}, edits={"q5b": (
        ('    ax.plot(days, ols_model.params["Intercept"] + ols_model.params["Days"] * days, label="OLS")\n', ""),)},
        points={"q5b": 0.5}, messages={"q5b": "no OLS line"}),
    # q6a
    Variant("reml_likelihoods_compared", {}, edits={"q6a": (
        ('.fit(reml=False)\nrirs_ml', '.fit()\nrirs_ml'),
        ('re_formula="~Days").fit(reml=False)', 're_formula="~Days").fit()'))},
        # only the degrees of freedom are right: the statistic, its p-value and the AICs (NaN) are not
        points={"q6a": 0.25}, messages={"q6a": "this compares REML likelihoods"}),
    Variant("one_degree_of_freedom", {}, edits={"q6a": (
        ("lr_df = 2  # the slope variance and the intercept-slope covariance", "lr_df = 1"),)},
        points={"q6a": 0.5}, messages={"q6a": "the fuller model adds two parameters"}),
    Variant("log_likelihoods_not_doubled", {}, edits={"q6a": (
        ("lr_stat = 2 * (rirs_ml.llf - ri_ml.llf)", "lr_stat = rirs_ml.llf - ri_ml.llf"),)},
        points={"q6a": 0.5}, messages={"q6a": "the statistic is twice that"}),
    Variant("aics_swapped", {}, edits={"q6a": (("aic_ri, aic_rirs = ri_ml.aic, rirs_ml.aic", "aic_ri, aic_rirs = rirs_ml.aic, ri_ml.aic"),)},
            points={"q6a": 0.75}, messages={"q6a": "this is the AIC of the intercept-and-slope model"}),
    # q7a
    Variant("adaptation_fit_on_all_ten_days", {}, edits={"q7a": (
        ('adaptation = sleep_study_data[sleep_study_data["Days"] >= 2].copy()', "adaptation = sleep_study_data.copy()"),)},
        points={"q7a": 0}, messages={"q7a": "uses all ten days"}),
    Variant("adaptation_days_not_recounted", {}, edits={"q7a": (
        ('adaptation["days_deprived"] = adaptation["Days"] - 2', 'adaptation["days_deprived"] = adaptation["Days"]'),)},
        points={"q7a": 0}, messages={"q7a": "this is the reaction time at day 0"}),
    Variant("adaptation_fit_by_ml", {}, edits={"q7a": (
        ('re_formula="~days_deprived").fit()', 're_formula="~days_deprived").fit(reml=False)'),)},
        points={"q7a": 0.5}, messages={"q7a": "fitted by maximum likelihood"}),
]

VARIANTS_SLOPES = CORRECT_SLOPES + WRONG_SLOPES

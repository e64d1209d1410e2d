"""A corpus of realistic submissions, each the solution with a few answer cells rewritten.

A ``Variant`` replaces the answer cells of some questions with what a student
might write. ``points`` gives the exact points expected on each autograded
question whose score differs from full marks (every other question must get
full marks); ``messages`` gives, per failing question, words its feedback must
contain, so a failure also tells the student what is wrong.

Where a mistake in one part carries into a later part that uses its result
(e.g. a maximum-likelihood fit read off again in 5b), the later part's
expected loss is written out and explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from textwrap import dedent, indent


@dataclass(frozen=True)
class Variant:
    name: str
    answers: dict[str, str]
    points: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    #: new code cells the student added, each right after the answer cell of the question named
    extra_cells: dict[str, str] = field(default_factory=dict)
    #: new code cells the student added at the end of the notebook (exploration after the last part)
    final_cells: tuple[str, ...] = ()
    #: the student deleted every grader.check cell
    without_checks: bool = False
    #: changes to the solution's answer cells, per question: (text, replacement) pairs
    edits: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return not self.points


def code(text: str) -> str:
    return dedent(text).strip("\n")


# Answer cells reused by several variants: the solution's own, with one line changed.
Q4A_WITH = code("""
    subject_308 = sleep_study_data[sleep_study_data["Subject"] == {subject}]
    {unpack} = np.polyfit(subject_308["Days"], subject_308["Reaction"], deg=1)
    fig_4a, ax = plt.subplots()
    ax.scatter(subject_308["Days"], subject_308["Reaction"])
    ax.plot(subject_308["Days"], b_308 + m_308 * subject_308["Days"], color="red")
    ax.text(0.05, 0.9, f"Reaction = {{b_308:.2f}} + {{m_308:.2f}} * Days", transform=ax.transAxes)
    ax.set_xlabel("Days of sleep deprivation")
    ax.set_ylabel("Reaction time (ms)")
    plt.show()
""")

Q6A_WITH = code("""
    subject_1 = {subject_1}
    subject_2 = {subject_2}
    intercept_1 = {base}random_intercepts[subject_1]
    intercept_2 = {base}random_intercepts[subject_2]
    fig_6a, ax = plt.subplots()
    days = np.arange(0, 10)
    for subject, intercept in [(subject_1, intercept_1), (subject_2, intercept_2)]:
        rows = sleep_study_data[sleep_study_data["Subject"] == subject]
        slope = {slope}
        ax.scatter(rows["Days"], rows["Reaction"], alpha=0.6)
        ax.plot(days, intercept + slope * days, label=f"Subject {{subject}}: Reaction = {{intercept:.2f}} + {{fixed_slope:.2f}} * Days")
    ax.set_xlabel("Days of sleep deprivation")
    ax.set_ylabel("Reaction time (ms)")
    ax.legend()
    plt.show()
""")

Q3B_WITH = code("""
    fig_3b, ax = plt.subplots()
    ax.scatter(sleep_study_data["Days"], sleep_study_data["Reaction"])
    days = np.arange(0, 10)
    ax.plot(days, {line}, color="red")
    ax.set_xlabel("{xlabel}")
    ax.set_ylabel("{ylabel}")
""")

Q5B_WITH = code("""
    fixed_intercept = mixed_results.fe_params["Intercept"]
    fixed_slope = mixed_results.fe_params["Days"]
    group_var = {group_var}
""")

Q3C_WITH = code("""
    first_subjects = sleep_study_data["Subject"].unique()[{subset}]
    fig_3c, ax = plt.subplots(figsize=(8, 5))
    for subject in first_subjects:
        rows = sleep_study_data[sleep_study_data["Subject"] == subject]
        slope, intercept = np.polyfit(rows["Days"], rows["Reaction"], deg=1)
        ax.plot(rows["Days"], intercept + slope * rows["Days"], label=f"Subject {{subject}}")
    ax.set_xlabel("Days of sleep deprivation")
    ax.set_ylabel("Reaction time (ms)")
    {legend}
    plt.show()
""")

#: Every autograded part from 2a on: all of them use the data 2a cleans.
LATER_THAN_2A = ("q2a", "q2b", "q2c", "q3a", "q3b", "q3c", "q4a", "q4b", "q5a", "q5b", "q5c", "q6a")


def q2a_with(body: str) -> str:
    """A 2a answer: ``drop_invalid`` with this body, applied to the data as the scaffold does."""
    return "def drop_invalid(df):\n" + indent(code(body), "    ") + "\n\nsleep_study_data = drop_invalid(sleep_study_data)"

Q2B_LABELLED_THEN = code("""
    fig_2b, ax = plt.subplots()
    ax.set_xlabel("Days of sleep deprivation")
    ax.set_ylabel("Reaction time (ms)")
    {draw}
""")

# The solution's 4b with one more line at the end.
Q4B_AND = code("""
    subject_309 = sleep_study_data[sleep_study_data["Subject"] == 309]
    m_309, b_309 = np.polyfit(subject_309["Days"], subject_309["Reaction"], deg=1)
    fig_4b, ax = plt.subplots()
    ax.scatter(subject_309["Days"], subject_309["Reaction"], label="Measurements")
    ax.plot(subject_309["Days"], b_309 + m_309 * subject_309["Days"], color="red", label="Fitted line")
    ax.text(0.05, 0.9, f"Reaction = {{b_309:.2f}} + {{m_309:.2f}} * Days", transform=ax.transAxes)
    ax.set_xlabel("Days of sleep deprivation")
    ax.set_ylabel("Reaction time (ms)")
    ax.set_title("Subject 309")
    ax.legend(loc="lower right")
    {extra}
""")


CORRECT = [
    Variant("statsmodels_api_with_add_constant", {"q3a": code("""
        X = sm.add_constant(sleep_study_data["Days"])
        model = sm.OLS(sleep_study_data["Reaction"], X).fit()
        ols_intercept = model.params["const"]
        ols_slope = model.params["Days"]
    """)}),
    Variant("seaborn_plots_and_density_histogram", {
        "q1b": code("""
            import seaborn as sns
            fig_1b = plt.figure()
            ax = sns.histplot(data=sleep_study_data, x="Reaction", bins=12, stat="density")
            ax.set_xlabel("Reaction time (ms)")
            ax.set_ylabel("Density")
            plt.show()
        """),
        "q2b": code("""
            import seaborn as sns
            fig_2b = plt.figure()
            sns.scatterplot(data=sleep_study_data, x="Days", y="Reaction")
            plt.xlabel("Days without sleep")
            plt.ylabel("Reaction time (ms)")
            plt.show()
        """),
        "q3b": code("""
            import seaborn as sns
            fig_3b, ax = plt.subplots()
            sns.regplot(data=sleep_study_data, x="Days", y="Reaction", ci=None, ax=ax, line_kws={"color": "red"})
            ax.set_xlabel("Days of sleep deprivation")
            ax.set_ylabel("Reaction time (ms)")
            plt.show()
        """),
    }),
    Variant("pandas_plotting", {
        "q1b": code("""
            ax = sleep_study_data["Reaction"].plot.hist(bins=25)
            ax.set_xlabel("Reaction (ms)")
            ax.set_ylabel("Count")
            fig_1b = ax.get_figure()
        """),
        "q2b": code("""
            ax = sleep_study_data.plot.scatter(x="Days", y="Reaction")
            fig_2b = ax.figure
        """),
        "q3b": code("""
            ax = sleep_study_data.plot.scatter(x="Days", y="Reaction", alpha=0.4)
            ends = pd.DataFrame({"Days": [0, 9]})
            ax.plot(ends["Days"], model.predict(ends), color="red")
            fig_3b = ax.figure
        """),
    }),
    Variant("pyplot_state_machine_and_title_equation", {
        "q1b": code("""
            fig_1b = plt.figure(figsize=(6, 4))
            plt.hist(sleep_study_data.Reaction, bins="auto")
            plt.xlabel("Reaction time [ms]")
            plt.ylabel("Frequency")
            plt.show()
        """),
        "q2b": code("""
            fig_2b = plt.figure()
            plt.plot(sleep_study_data.Days, sleep_study_data.Reaction, "o", alpha=0.5)
            plt.xlabel("Day")
            plt.ylabel("Reaction time")
            plt.show()
        """),
        "q4a": code("""
            subject_308 = sleep_study_data.query("Subject == 308")
            m_308, b_308 = np.polyfit(subject_308.Days, subject_308.Reaction, 1)
            fig_4a = plt.figure()
            plt.scatter(subject_308.Days, subject_308.Reaction)
            xs = np.linspace(0, 9, 100)
            plt.plot(xs, m_308 * xs + b_308, "r-")
            plt.title(f"Subject 308: y = {m_308:.1f}x + {b_308:.1f}")
            plt.xlabel("Days")
            plt.ylabel("Reaction (ms)")
            plt.show()
        """),
    }),
    Variant("scipy_linregress_pearsonr_and_axline", {
        "q2c": code("""
            from scipy.stats import pearsonr
            correlation = pearsonr(sleep_study_data.Days, sleep_study_data.Reaction)[0]
        """),
        "q4b": code("""
            from scipy import stats
            rows = sleep_study_data[sleep_study_data.Subject == 309]
            fit = stats.linregress(rows.Days, rows.Reaction)
            m_309, b_309 = fit.slope, fit.intercept
            fig_4b, ax = plt.subplots()
            ax.scatter(rows.Days, rows.Reaction)
            ax.axline((0, b_309), slope=m_309, color="k")
            ax.annotate(f"Reaction = {b_309:.3f} + {m_309:.3f}\u00b7Days", xy=(0.5, 300))
            ax.set(xlabel="Days", ylabel="Reaction time (ms)")
            plt.show()
        """),
    }),
    Variant("groupby_loop_with_axlines", {"q3c": code("""
        fig_3c, ax = plt.subplots()
        for count, (subject, rows) in enumerate(sleep_study_data.groupby("Subject", sort=False)):
            if count == 10:
                break
            slope, intercept = np.polyfit(rows["Days"], rows["Reaction"], 1)
            ax.axline((0, intercept), slope=slope, label=str(subject))
        ax.set_xlim(0, 9)
        ax.set_ylim(150, 500)
        ax.set_xlabel("Days")
        ax.set_ylabel("Reaction (ms)")
        ax.legend(title="Subject")
        plt.show()
    """)}),
    Variant("another_optimizer_and_unpacked_fixed_effects", {
        "q5a": code("""
            mixed_results = smf.mixedlm("Reaction ~ Days", sleep_study_data, groups="Subject").fit(method="lbfgs")
        """),
        "q5b": code("""
            fixed_intercept, fixed_slope = mixed_results.fe_params
            group_var = float(mixed_results.cov_re.values[0][0])
        """),
    }),
    Variant("extra_cells_reordered_imports_and_describe", {
        "q1a": code("""
            from pathlib import Path
            import pandas as pd
            sleep_study_data = pd.read_csv(Path("data") / "sleepstudy.csv")
            print(sleep_study_data.head())
            print(sleep_study_data.dtypes)
            data_shape = (len(sleep_study_data), len(sleep_study_data.columns))
            print("rows, cols:", data_shape)
        """),
        "q1c": code("""
            summary = sleep_study_data.describe()
            days_min, days_max = summary.loc["min", "Days"], summary.loc["max", "Days"]
            reaction_min = summary.loc["min", "Reaction"]
            reaction_max = summary.loc["max", "Reaction"]
            summary
        """),
        "q2a": code("""
            def drop_invalid(df):
                cleaned = df.dropna(subset=["Reaction", "Subject"])
                cleaned = cleaned[(cleaned["Reaction"] != 0) & (cleaned["Subject"] != 0)]
                return cleaned

            sleep_study_data = drop_invalid(sleep_study_data)
            print(f"{len(sleep_study_data)} rows kept")
        """),
    }, extra_cells={
        "q1a": "sleep_study_data.info()",
        "q2b": "import seaborn as sns\nsns.set_theme(style='whitegrid')",
        "q5a": "print(mixed_results.summary())\nmixed_results.random_effects[308]",
    }),
    Variant("random_effects_as_table_and_text_equations", {
        "q5c": code("""
            random_intercepts = pd.DataFrame(mixed_results.random_effects).T["Group"]
        """),
        "q6a": code("""
            subject_1, subject_2 = 371, 337
            intercept_1 = mixed_results.fe_params["Intercept"] + mixed_results.random_effects[371].iloc[0]
            intercept_2 = mixed_results.fe_params["Intercept"] + mixed_results.random_effects[337].iloc[0]
            fig_6a, ax = plt.subplots()
            days = np.linspace(0, 9, 10)
            for subject, intercept, height in [(subject_1, intercept_1, 0.05), (subject_2, intercept_2, 0.9)]:
                ax.plot(days, intercept + fixed_slope * days, label=f"Subject {subject}")
                ax.text(0.02, height, f"Subject {subject}: y = {intercept:.1f} + {fixed_slope:.1f}x", transform=ax.transAxes)
            ax.set_xlabel("Days")
            ax.set_ylabel("Predicted reaction time (ms)")
            ax.legend(loc="center right")
            plt.show()
        """),
    }),
    Variant("numpy_by_hand", {
        "q1b": code("""
            counts, edges = np.histogram(sleep_study_data["Reaction"], bins=10)
            fig_1b, ax = plt.subplots()
            ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge")
            ax.set_xlabel("Reaction (ms)")
            ax.set_ylabel("Count")
            plt.show()
        """),
        "q2c": code("""
            correlation = np.corrcoef(sleep_study_data["Days"], sleep_study_data["Reaction"])[0, 1]
        """),
        "q3a": code("""
            model = smf.ols("Reaction ~ Days", data=sleep_study_data).fit()
            ols_intercept, ols_slope = model.params
        """),
    }),
    Variant("mixed_model_subjects_in_the_other_order", {
        "q6a": Q6A_WITH.format(subject_1=337, subject_2=371, base="fixed_intercept + ", slope="fixed_slope"),
    }),
    Variant("figures_saved_and_closed", {"q2b": code("""
        fig_2b, ax = plt.subplots()
        ax.scatter(sleep_study_data["Days"], sleep_study_data["Reaction"])
        ax.set_xlabel("Days")
        ax.set_ylabel("Reaction time (ms)")
        fig_2b.savefig("scatter.png")
        plt.close(fig_2b)
    """)}),
    # Judging round 2: an unused panel needs no labels; underscores and dots in real text are not blanks;
    # a cleaning that edits its input in place but returns the right rows is right.
    Variant("unused_panel_and_ordinary_punctuation", {
        "q1b": code("""
            fig_1b, (ax, notes) = plt.subplots(1, 2, figsize=(10, 4))
            ax.hist(sleep_study_data["Reaction"], bins=15)
            ax.set_xlabel("reaction_time (ms)")
            ax.set_ylabel("Count")
            ax.set_title("Reaction vs. nothing: one variable")
            notes.axis("off")
            plt.show()
        """),
    }),
    Variant("drop_invalid_marks_zeros_missing_in_place", {"q2a": q2a_with("""
        df.loc[df["Reaction"] == 0, "Reaction"] = np.nan
        df.loc[df["Subject"] == 0, "Subject"] = np.nan
        return df.dropna(subset=["Reaction", "Subject"])
    """)}),
    # Cells run as Jupyter runs them: the inline backend shows and closes every figure at the end of
    # a cell, so pyplot's "current figure" is a fresh one in each part, and a look at the data in a
    # cell of one's own never lands in a part's figure. `%matplotlib inline` is a kernel's magic.
    Variant("pyplot_current_figure_in_every_part", {
        "q1a": "%matplotlib inline\n" + code("""
            sleep_study_data = pd.read_csv("data/sleepstudy.csv")
            data_shape = sleep_study_data.shape
        """),
        "q1b": code("""
            plt.hist(sleep_study_data["Reaction"], bins=15)
            plt.xlabel("Reaction time (ms)")
            plt.ylabel("Count")
            fig_1b = plt.gcf()
        """),
        "q2b": code("""
            plt.scatter(sleep_study_data["Days"], sleep_study_data["Reaction"])
            plt.xlabel("Days")
            plt.ylabel("Reaction time (ms)")
            fig_2b = plt.gcf()
        """),
        "q3b": code("""
            plt.scatter(sleep_study_data["Days"], sleep_study_data["Reaction"])
            plt.plot([0, 9], [ols_intercept, ols_intercept + 9 * ols_slope], color="red")
            plt.xlabel("Days")
            plt.ylabel("Reaction time (ms)")
            fig_3b = plt.gcf()
        """),
    }, extra_cells={
        "q1b": 'plt.hist(sleep_study_data["Days"])  # a look at another column',
        "q2b": 'plt.scatter(sleep_study_data["Subject"], sleep_study_data["Reaction"])\nplt.title("by subject")',
    }),
    Variant("step_histogram_and_fit_beside_its_residuals", {
        "q1b": code("""
            fig_1b, ax = plt.subplots()
            ax.hist(sleep_study_data["Reaction"], bins=12, histtype="step")
            ax.set_xlabel("Reaction time (ms)")
            ax.set_ylabel("Count")
            plt.show()
        """),
        "q3b": code("""
            fig_3b, (ax, right) = plt.subplots(1, 2, figsize=(10, 4))
            ax.scatter(sleep_study_data["Days"], sleep_study_data["Reaction"])
            days = np.arange(0, 10)
            ax.plot(days, ols_intercept + ols_slope * days, color="red")
            ax.set_xlabel("Days")
            ax.set_ylabel("Reaction time (ms)")
            right.scatter(sleep_study_data["Days"], model.resid)
            right.set_xlabel("Days")
            right.set_ylabel("Residual (ms)")
            plt.show()
        """),
    }),
    Variant("subject_fit_beside_its_residuals", {"q4a": Q4A_WITH.format(subject=308, unpack="m_308, b_308").replace(
        "fig_4a, ax = plt.subplots()", "fig_4a, (ax, right) = plt.subplots(1, 2)").replace("plt.show()", code("""
            right.scatter(subject_308["Days"], subject_308["Reaction"] - (b_308 + m_308 * subject_308["Days"]))
            right.set_xlabel("Days")
            right.set_ylabel("Residual (ms)")
            plt.show()
        """))}),
    # --- Each part judged where it is answered (judging round 3) ---
    # With the check cells deleted, a part is judged right after its answer cell: a last exploration
    # cell that turns the table into an array, or reuses a name for another fit, changes no verdict.
    Variant("checks_deleted_and_the_table_turned_into_an_array_at_the_end", {}, without_checks=True,
            final_cells=("sleep_study_data = sleep_study_data.to_numpy()\nsleep_study_data.mean(axis=0)",)),
    Variant("checks_deleted_and_model_reused_for_another_fit", {}, without_checks=True, final_cells=(code("""
        model = smf.ols("Reaction ~ Days + I(Days ** 2)", data=sleep_study_data).fit()
        mixed_results = smf.mixedlm("Reaction ~ Days", sleep_study_data, groups="Subject").fit(reml=False)
        print(model.params, mixed_results.params)
    """),)),
    # With the check cells there (every corpus file is saved under a name of its own, not the
    # notebook's), each part is judged at its check, under otter run as in the sandbox.
    Variant("table_and_fit_replaced_in_a_final_exploration_cell", {}, final_cells=(code("""
        sleep_study_data = sleep_study_data.values
        model = mixed_results
    """),)),
    # Equations written with units, a times sign, and the slope first.
    Variant("equation_with_units_and_a_times_sign", {"q4a": Q4A_WITH.format(subject=308, unpack="m_308, b_308").replace(
        'f"Reaction = {b_308:.2f} + {m_308:.2f} * Days"', 'f"Reaction = {b_308:.2f} ms + {m_308:.2f} ms/day \u00d7 Days"')}),
    Variant("equations_slope_first_with_a_middle_dot", {"q6a": Q6A_WITH.format(
        subject_1=371, subject_2=337, base="fixed_intercept + ", slope="fixed_slope").replace(
        "{intercept:.2f} + {fixed_slope:.2f} * Days", "{fixed_slope:.2f}\u00b7Days + {intercept:.2f} ms")}),
    Variant("seaborn_step_histogram", {"q1b": code("""
        import seaborn as sns
        fig_1b, ax = plt.subplots()
        sns.histplot(sleep_study_data, x="Reaction", element="step", bins=15, ax=ax)
        ax.set_xlabel("Reaction time (ms)")
        plt.show()
    """)}),
]


WRONG = [
    # q1a
    Variant("shape_as_columns_rows", {"q1a": code("""
        sleep_study_data = pd.read_csv("data/sleepstudy.csv")
        data_shape = sleep_study_data.shape[::-1]
    """)}, points={"q1a": 0.25}, messages={"q1a": "(columns, rows)"}),
    Variant("shape_as_row_count", {"q1a": code("""
        sleep_study_data = pd.read_csv("data/sleepstudy.csv")
        data_shape = len(sleep_study_data)
    """)}, points={"q1a": 0.25}, messages={"q1a": "(rows, columns)"}),
    # q1b
    Variant("histogram_of_days", {"q1b": code("""
        fig_1b, ax = plt.subplots()
        ax.hist(sleep_study_data["Days"], bins=10)
        ax.set_xlabel("Reaction time (ms)")
        ax.set_ylabel("Count")
    """)}, points={"q1b": 0.25}, messages={"q1b": "histogram of Days"}),
    Variant("histogram_labels_left_blank", {"q1b": code("""
        fig_1b, ax = plt.subplots()
        ax.hist(sleep_study_data["Reaction"], bins=20)
        ax.set_xlabel("...")
        ax.set_ylabel("...")
    """)}, points={"q1b": 0.25}, messages={"q1b": 'the x-axis label still reads "..."'}),
    # q1c
    Variant("ranges_from_the_wrong_columns", {"q1c": code("""
        days_min, days_max = sleep_study_data["Reaction"].min(), sleep_study_data["Reaction"].max()
        reaction_min, reaction_max = sleep_study_data["Days"].min(), sleep_study_data["Days"].max()
    """)}, points={"q1c": 0}, messages={"q1c": "this is the value for Reaction"}),
    # q2a
    Variant("drop_invalid_only_drops_missing", {"q2a": code("""
        def drop_invalid(df):
            return df.dropna(subset=["Reaction", "Subject"])

        sleep_study_data = drop_invalid(sleep_study_data)
    """)}, points={"q2a": 0.5}, messages={"q2a": "keeps a row with Subject 0"}),
    Variant("drop_invalid_or_instead_of_and", {"q2a": code("""
        def drop_invalid(df):
            key_columns = df[["Reaction", "Subject"]]
            keep = key_columns.notna().all(axis=1) | (key_columns != 0).all(axis=1)
            return df[keep]

        sleep_study_data = drop_invalid(sleep_study_data)
    """)}, points={"q2a": 0.5}, messages={"q2a": "keeps a row with a missing Reaction"}),
    Variant("drop_invalid_checks_reaction_only", {"q2a": code("""
        def drop_invalid(df):
            return df[df["Reaction"].notna() & (df["Reaction"] != 0)]

        sleep_study_data = drop_invalid(sleep_study_data)
    """)}, points={"q2a": 0.5}, messages={"q2a": "keeps a row with a missing Subject"}),
    Variant("drop_invalid_left_blank", {"q2a": code("""
        def drop_invalid(df):
            key_columns = df[["Reaction", "Subject"]]
            keep = ...
            return df[keep]

        sleep_study_data = drop_invalid(sleep_study_data)
    """)}, points={"q2a": 0}, messages={"q2a": "is there still a `...` in it?"}),
    # q2b
    Variant("scatter_axes_swapped", {"q2b": code("""
        fig_2b, ax = plt.subplots()
        ax.scatter(sleep_study_data["Reaction"], sleep_study_data["Days"])
        ax.set_xlabel("Days of sleep deprivation")
        ax.set_ylabel("Reaction time (ms)")
    """)}, points={"q2b": 0.25}, messages={"q2b": "x and y are swapped"}),
    Variant("scatter_of_one_subject", {"q2b": code("""
        rows = sleep_study_data[sleep_study_data["Subject"] == 308]
        fig_2b, ax = plt.subplots()
        ax.scatter(rows["Days"], rows["Reaction"])
        ax.set_xlabel("Days")
        ax.set_ylabel("Reaction (ms)")
    """)}, points={"q2b": 0.25}, messages={"q2b": "shows 10 points"}),
    # q2c
    Variant("spearman_correlation", {"q2c": code("""
        correlation = sleep_study_data["Days"].corr(sleep_study_data["Reaction"], method="spearman")
    """)}, points={"q2c": 0}, messages={"q2c": "Spearman"}),
    Variant("r_squared_for_r", {"q2c": code("""
        correlation = sleep_study_data["Days"].corr(sleep_study_data["Reaction"]) ** 2
    """)}, points={"q2c": 0}, messages={"q2c": "r squared"}),
    Variant("correlation_matrix", {"q2c": code("""
        correlation = sleep_study_data.corr()
    """)}, points={"q2c": 0}, messages={"q2c": "should be a single number"}),
    Variant("correlation_left_blank", {"q2c": "correlation = ..."}, points={"q2c": 0},
            messages={"q2c": "still `...`"}),
    # q3a (3b draws the line from ols_intercept and ols_slope, so it inherits their error)
    Variant("ols_without_intercept", {"q3a": code("""
        model = sm.OLS(sleep_study_data["Reaction"], sleep_study_data["Days"]).fit()
        ols_intercept = 0.0
        ols_slope = model.params["Days"]
    """)}, points={"q3a": 0, "q3b": 0.25}, messages={"q3a": "no intercept"}),
    Variant("ols_regresses_days_on_reaction", {"q3a": code("""
        model = smf.ols("Days ~ Reaction", data=sleep_study_data).fit()
        ols_intercept = model.params["Intercept"]
        ols_slope = model.params["Reaction"]
    """)}, points={"q3a": 0, "q3b": 0.25}, messages={"q3a": "Days as the response"}),
    Variant("ols_coefficients_swapped", {"q3a": code("""
        model = smf.ols("Reaction ~ Days", data=sleep_study_data).fit()
        ols_intercept = model.params.iloc[1]
        ols_slope = model.params.iloc[0]
    """)}, points={"q3a": 0.25, "q3b": 0.25}, messages={"q3a": "this is the slope"}),
    # q3b
    Variant("ols_line_drawn_backwards", {"q3b": Q3B_WITH.format(line="ols_slope + ols_intercept * days", xlabel="Days", ylabel="Reaction (ms)")},
            points={"q3b": 0.25}, messages={"q3b": "no line on the plot matches the OLS line"}),
    Variant("ols_plot_labels_left_blank", {"q3b": Q3B_WITH.format(line="ols_intercept + ols_slope * days", xlabel="...", ylabel="...")},
            points={"q3b": 0.25}, messages={"q3b": 'the x-axis label still reads "..."'}),
    # q3c
    Variant("first_nine_subjects", {"q3c": Q3C_WITH.format(subset=":9", legend="ax.legend()")},
            points={"q3c": 0}, messages={"q3c": "no fitted line for subject(s) [337]"}),
    Variant("subjects_off_by_one", {"q3c": Q3C_WITH.format(subset="1:11", legend="ax.legend()")},
            points={"q3c": 0}, messages={"q3c": "also shows subject(s) [349]"}),
    Variant("subject_lines_without_legend", {"q3c": Q3C_WITH.format(subset=":10", legend="")},
            points={"q3c": 0.25}, messages={"q3c": "has no legend"}),
    # q4
    Variant("q4a_uses_subject_309", {"q4a": Q4A_WITH.format(subject=309, unpack="m_308, b_308")},
            points={"q4a": 0}, messages={"q4a": "this is subject 309's slope"}),
    Variant("polyfit_unpacked_backwards", {"q4a": Q4A_WITH.format(subject=308, unpack="b_308, m_308")},
            points={"q4a": 0}, messages={"q4a": "polyfit returns the slope first"}),
    Variant("q4b_without_equation", {"q4b": code("""
        subject_309 = sleep_study_data[sleep_study_data["Subject"] == 309]
        m_309, b_309 = np.polyfit(subject_309["Days"], subject_309["Reaction"], deg=1)
        fig_4b, ax = plt.subplots()
        ax.scatter(subject_309["Days"], subject_309["Reaction"], label="Measurements")
        ax.plot(subject_309["Days"], b_309 + m_309 * subject_309["Days"], color="red", label="Fitted line")
        ax.set_xlabel("Days")
        ax.set_ylabel("Reaction (ms)")
        ax.set_title("Subject 309")
        ax.legend()
    """)}, points={"q4b": 0.5}, messages={"q4b": "no text on the plot shows the equation"}),
    # q5a (5b, 5c and 6a read the fit again, so its error carries into them; the fixed effects of
    # these designs do not depend on the variance estimates, so 5b's fixed-effect test still passes)
    Variant("maximum_likelihood_fit", {"q5a": code("""
        mixed_model = smf.mixedlm("Reaction ~ Days", data=sleep_study_data, groups=sleep_study_data["Subject"])
        mixed_results = mixed_model.fit(reml=False)
    """)}, points={"q5a": 0, "q5b": 0.25, "q5c": 0, "q6a": 0},
        messages={"q5a": "maximum likelihood", "q5b": "maximum-likelihood estimate"}),
    Variant("random_slopes_fitted", {"q5a": code("""
        mixed_model = smf.mixedlm("Reaction ~ Days", data=sleep_study_data, groups=sleep_study_data["Subject"], re_formula="~Days")
        mixed_results = mixed_model.fit()
    """)}, points={"q5a": 0, "q5b": 0.25, "q5c": 0, "q6a": 0}, messages={"q5a": "random slopes"}),
    Variant("grouped_by_days", {"q5a": code("""
        mixed_model = smf.mixedlm("Reaction ~ Days", data=sleep_study_data, groups=sleep_study_data["Days"])
        mixed_results = mixed_model.fit()
    """)}, points={"q5a": 0, "q5b": 0.25, "q5c": 0, "q6a": 0}, messages={"q5a": "group the rows by Subject"}),
    # q5b
    Variant("group_var_is_the_residual_variance", {"q5b": Q5B_WITH.format(group_var="mixed_results.scale")},
            points={"q5b": 0.25}, messages={"q5b": "residual variance"}),
    Variant("group_var_is_a_standard_deviation", {"q5b": Q5B_WITH.format(group_var="mixed_results.cov_re.iloc[0, 0] ** 0.5")},
            points={"q5b": 0.25}, messages={"q5b": "standard deviation"}),
    # q5c (6a adds the fixed intercept to these values again, so it fails too)
    Variant("subject_intercepts_not_deviations", {"q5c": code("""
        random_intercepts = pd.Series({s: mixed_results.fe_params["Intercept"] + e.iloc[0]
                                       for s, e in mixed_results.random_effects.items()})
    """)}, points={"q5c": 0, "q6a": 0}, messages={"q5c": "deviation from the fixed intercept"}),
    # q6a
    Variant("q6a_wrong_subject", {"q6a": Q6A_WITH.format(subject_1=371, subject_2=335, base="fixed_intercept + ", slope="fixed_slope")},
            points={"q6a": 0}, messages={"q6a": "should be subjects 371 and 337"}),
    Variant("q6a_forgets_the_fixed_intercept", {"q6a": Q6A_WITH.format(subject_1=371, subject_2=337, base="", slope="fixed_slope")},
            points={"q6a": 0}, messages={"q6a": "only the random intercept"}),
    # The legend writes the mixed model's equations, but the lines drawn follow each subject's own
    # slope: an equation counts only as the label of a line the plot draws, so both tests fail.
    Variant("q6a_lines_with_each_subjects_own_slope", {"q6a": Q6A_WITH.format(
        subject_1=371, subject_2=337, base="fixed_intercept + ",
        slope='np.polyfit(rows["Days"], rows["Reaction"], 1)[0]')},
            points={"q6a": 0.5}, messages={"q6a": "no line on the plot follows it"}),

    # --- Judging round 2 ---
    # Empty figures: a plotting cell that stopped before drawing, or a plot that went into another
    # figure, leaves a figure with nothing (or nothing asked for) on it; no figure test may pass.
    Variant("histogram_cell_stopped_before_drawing", {"q1b": code("""
        fig_1b, ax = plt.subplots()
        ax.set_xlabel("Reaction time (ms)")
        ax.set_ylabel("Count")
        ax.hist(sleep_study_data["reaction"], bins=20)
    """)}, points={"q1b": 0}, messages={"q1b": "has axes but nothing drawn on them"}),
    Variant("seaborn_displot_makes_its_own_figure", {"q1b": code("""
        import seaborn as sns
        fig_1b, ax = plt.subplots()
        sns.displot(sleep_study_data, x="Reaction")
        ax.set_xlabel("Reaction time (ms)")
        ax.set_ylabel("Count")
        plt.show()
    """)}, points={"q1b": 0}, messages={"q1b": "the plot went into another figure"}),
    Variant("histogram_part_answered_with_a_scatter", {"q1b": code("""
        fig_1b, ax = plt.subplots()
        ax.scatter(sleep_study_data["Days"], sleep_study_data["Reaction"])
        ax.set_xlabel("Days")
        ax.set_ylabel("Reaction time (ms)")
    """)}, points={"q1b": 0}, messages={"q1b": "`fig_1b` shows no bars"}),
    Variant("pandas_scatter_drawn_into_another_figure", {"q2b": Q2B_LABELLED_THEN.format(
        draw='sleep_study_data.plot.scatter(x="Days", y="Reaction")')},
        points={"q2b": 0}, messages={"q2b": "has axes but nothing drawn on them"}),
    Variant("scatter_figure_without_axes", {"q2b": code("""
        fig_2b = plt.figure()
        plt.scatter(sleep_study_data["days"], sleep_study_data["reaction"])
        plt.xlabel("Days")
        plt.ylabel("Reaction time (ms)")
    """)}, points={"q2b": 0}, messages={"q2b": "empty figure with no axes"}),
    # Placeholder text left anywhere on a figure fails the test about its texts, naming the text.
    Variant("histogram_title_left_blank", {"q1b": code("""
        fig_1b, ax = plt.subplots()
        ax.hist(sleep_study_data["Reaction"], bins=20)
        ax.set_xlabel("Reaction time (ms)")
        ax.set_ylabel("Count")
        ax.set_title("...")
    """)}, points={"q1b": 0.25}, messages={"q1b": 'the title still reads "..."'}),
    Variant("subject_lines_with_a_todo_suptitle", {"q3c": Q3C_WITH.format(
        subset=":10", legend='ax.legend()\nfig_3c.suptitle("TODO: add a title")')},
        points={"q3c": 0.25}, messages={"q3c": 'the figure text still reads "TODO: add a title"'}),
    Variant("q4a_title_left_as_underscores", {"q4a": Q4A_WITH.format(subject=308, unpack="m_308, b_308")
                                              + '\nax.set_title("Subject ___")'},
            points={"q4a": 0.5}, messages={"q4a": 'the title still reads "Subject ___"'}),
    Variant("equation_placeholder_left_beside_the_equation", {"q4b": Q4B_AND.format(
        extra='ax.text(0.05, 0.8, "Reaction = ... + ... * Days", transform=ax.transAxes)')},
        points={"q4b": 0.5}, messages={"q4b": 'the text still reads "Reaction = ... + ... * Days"'}),
    Variant("q6a_title_left_as_underscores", {"q6a": Q6A_WITH.format(subject_1=371, subject_2=337, base="fixed_intercept + ",
                                                                     slope="fixed_slope") + '\nax.set_title("___")'},
            points={"q6a": 0.75}, messages={"q6a": '`fig_6a`: the title still reads "___"'}),
    # A later part does not change an earlier verdict: each part is judged where it is answered (its
    # check cell), so 1a keeps its points whatever 2a does to the data. 2a's result feeds every later
    # part, so those lose what they lose: a drop_invalid that forgets to return replaces the data with
    # None, and every part from 2a on works on the missing table.
    Variant("drop_invalid_forgets_to_return", {"q2a": q2a_with("""
        key_columns = df[["Reaction", "Subject"]]
        df = df[key_columns.notna().all(axis=1) & (key_columns != 0).all(axis=1)]
    """)}, points={q: 0 for q in LATER_THAN_2A},
        messages={"q2a": "should return a DataFrame"}),
    # Dropping day 0 leaves 162 rows: every later number and line differs from the reference; 2b and 3c
    # keep their label and legend points (those figures are drawn and labelled, from fewer rows).
    Variant("drop_invalid_drops_every_zero_so_day_zero_too", {"q2a": q2a_with("""
        return df[df.notna().all(axis=1) & (df != 0).all(axis=1)]
    """)}, points={**{q: 0 for q in LATER_THAN_2A}, "q2b": 0.25, "q3c": 0.25},
        messages={"q2a": "drops 1 valid row(s)", "q2b": "shows 162 points"}),
    # Blanking every zero turns day 0 into a missing value: the scatter loses those 18 points, the OLS fit
    # drops their rows, and np.polyfit cannot fit lines with missing values, so 3c and every later
    # part stop with an error before answering.
    Variant("drop_invalid_blanks_every_zero", {"q2a": q2a_with("""
        return df[df != 0].dropna(subset=["Reaction", "Subject"])
    """)}, points={**{q: 0 for q in LATER_THAN_2A}, "q2a": 0.25, "q2b": 0.25},
        messages={"q2a": "changes the Days column", "q3a": "fitted on 162 rows"}),
    # A cleaning rule broader than the question's: rows whose Days, or a column of the student's own,
    # is missing are valid and stay (the data has none, so every later part keeps its points).
    Variant("drop_invalid_drops_rows_missing_any_value", {"q2a": q2a_with("""
        df = df.dropna()
        return df[(df["Reaction"] != 0) & (df["Subject"] != 0)]
    """)}, points={"q2a": 0.75}, messages={"q2a": "drops a row with a missing Days"}),
    Variant("drop_invalid_drops_gaps_in_every_column_but_days", {"q2a": q2a_with("""
        keep = df.drop(columns="Days").notna().all(axis=1)
        return df[keep & (df["Reaction"] != 0) & (df["Subject"] != 0)]
    """)}, points={"q2a": 0.75}, messages={"q2a": "drops a row with a missing Session"}),
    # Judged after its answer cell when the check cells are gone: a wrong answer still loses.
    Variant("checks_deleted_and_spearman_correlation", {"q2c": code("""
        correlation = sleep_study_data["Days"].corr(sleep_study_data["Reaction"], method="spearman")
    """)}, without_checks=True, points={"q2c": 0}, messages={"q2c": "Spearman"}),
    # The slope and intercept really swapped, with units: the message says so.
    Variant("equation_with_units_swapped", {"q4a": Q4A_WITH.format(subject=308, unpack="m_308, b_308").replace(
        'f"Reaction = {b_308:.2f} + {m_308:.2f} * Days"', 'f"Reaction = {m_308:.2f} ms + {b_308:.2f} \u00d7 Days"')},
        points={"q4a": 0.5}, messages={"q4a": "the wrong way round"}),
    # Cleaning that damages the rows it keeps: every kept row must be an input row, unchanged.
    Variant("drop_invalid_realigns_days_after_reset_index", {"q2a": q2a_with("""
        clean = df.dropna(subset=["Reaction", "Subject"]).reset_index(drop=True)
        clean = clean[(clean["Reaction"] != 0) & (clean["Subject"] != 0)].copy()
        clean["Days"] = df["Days"]
        return clean
    """)}, points={"q2a": 0.5}, messages={"q2a": "changes the Days column"}),

    # --- Run as Jupyter runs them ---
    # plt.show() shows and closes the figure: pyplot's current figure after it is a new, empty one.
    Variant("current_figure_taken_after_show", {"q3b": code("""
        plt.scatter(sleep_study_data["Days"], sleep_study_data["Reaction"])
        plt.plot([0, 9], [ols_intercept, ols_intercept + 9 * ols_slope], color="red")
        plt.xlabel("Days")
        plt.ylabel("Reaction time (ms)")
        plt.show()
        fig_3b = plt.gcf()
    """)}, points={"q3b": 0}, messages={"q3b": "`fig_3b` is an empty figure with no axes"}),
    # Labels set in a later cell, after plt.show() closed the figure, go to a new figure of their own.
    Variant("labels_set_after_the_figure_was_shown", {"q2b": code("""
        fig_2b = plt.figure()
        plt.scatter(sleep_study_data["Days"], sleep_study_data["Reaction"])
        plt.show()
    """)}, points={"q2b": 0.25}, messages={"q2b": "label the x-axis"},
        extra_cells={"q2b": 'plt.xlabel("Days")\nplt.ylabel("Reaction time (ms)")'}),
    # No test passes on a missing answer: the table is None (print returns nothing) and the cleaning
    # function returns nothing either, so "what the student's cleaning makes of the file" is None too.
    # Every later part works on the missing table and gets nothing.
    Variant("table_is_none_and_the_cleaning_returns_nothing", {
        "q1a": code("""
            data = pd.read_csv("data/sleepstudy.csv")
            data_shape = data.shape
            sleep_study_data = print(data.head())
        """),
        "q2a": q2a_with("""
            key_columns = df[["Reaction", "Subject"]]
            df = df[key_columns.notna().all(axis=1) & (key_columns != 0).all(axis=1)]
        """),
    }, points={**{q: 0 for q in ("q1b", "q1c") + LATER_THAN_2A}, "q1a": 0.25},
        messages={"q1a": "`sleep_study_data` is not defined"}),
]


VARIANTS = CORRECT + WRONG


def write_variants(solution_notebook, folder, variants: list[Variant] | None = None) -> None:
    """Write each variant as ``<name>.ipynb``: the solution with the variant's answer cells."""
    import nbformat

    import notebooks

    folder.mkdir(parents=True)
    solution = notebooks.read(solution_notebook)
    for variant in VARIANTS if variants is None else variants:
        nb = notebooks.with_answers(solution, variant.answers)
        cells = notebooks.answer_cells(nb)
        for question, changes in variant.edits.items():
            for old, new in changes:
                assert old in nb.cells[cells[question]].source, (variant.name, question, old)
                nb.cells[cells[question]].source = nb.cells[cells[question]].source.replace(old, new)
        # insert from the last cell backwards so earlier indices stay valid
        for question in sorted(variant.extra_cells, key=cells.get, reverse=True):
            nb.cells.insert(cells[question] + 1, nbformat.v4.new_code_cell(variant.extra_cells[question]))
        nb.cells += [nbformat.v4.new_code_cell(source) for source in variant.final_cells]
        if variant.without_checks:
            nb.cells = [cell for cell in nb.cells if not notebooks.is_check_cell(cell)]
        nbformat.write(nb, folder / f"{variant.name}.ipynb")

"""Hand-ins for the similarity report: three correct routes through the first seminar written independently
of one another, and copies of them disguised as students disguise copies.

* ``solution``: the release's solution, filling in the scaffold as given;
* ``alternatives``: every part answered another way, each from a correct hand-in of the corpus
  (seaborn and pandas plots, scipy, ``sm.OLS``, a groupby loop, another optimiser, ...);
* ``by_hand``: the corpus's numpy-by-hand and pandas-plotting routes, and the parts they leave out
  written here in a third way (formula fits per subject, ``np.linalg.lstsq``, ``DataFrame.agg``, lines
  drawn from their two ends).
"""

from __future__ import annotations

import re
from textwrap import dedent

import nbformat

import corpus
import notebooks

#: Correct corpus hand-ins whose answers make up the second route; each part is taken from the first that has it.
ALTERNATIVES = ["extra_cells_reordered_imports_and_describe", "seaborn_plots_and_density_histogram",
                "scipy_linregress_pearsonr_and_axline", "statsmodels_api_with_add_constant", "groupby_loop_with_axlines",
                "pyplot_state_machine_and_title_equation", "another_optimizer_and_unpacked_fixed_effects",
                "random_effects_as_table_and_text_equations"]
#: ... and of the third, with the parts below.
BY_HAND = ["numpy_by_hand", "pandas_plotting", "drop_invalid_marks_zeros_missing_in_place",
           "step_histogram_and_fit_beside_its_residuals"]

#: The alternatives' own random-intercept fit: the corpus's one names its groups "Subject", which the table of
#: random effects the route reads next does not expect.
ALTERNATIVE_FIT = {
    "q5a": """
        mixed_results = sm.MixedLM.from_formula("Reaction ~ Days", groups=sleep_study_data["Subject"],
                                                data=sleep_study_data).fit(method="bfgs")
    """,
}

OWN_ANSWERS = {
    "q1a": """
        from pathlib import Path
        csv_file = Path("data") / "sleepstudy.csv"
        sleep_study_data = pd.read_csv(csv_file)
        n_rows, n_cols = len(sleep_study_data), len(sleep_study_data.columns)
        data_shape = (n_rows, n_cols)
        print(sleep_study_data.iloc[:5])
        print("size:", data_shape)
    """,
    "q1c": """
        extremes = sleep_study_data[["Days", "Reaction"]].agg(["min", "max"])
        days_min, days_max = extremes.loc["min", "Days"], extremes.loc["max", "Days"]
        reaction_min, reaction_max = extremes.loc["min", "Reaction"], extremes.loc["max", "Reaction"]
        extremes
    """,
    "q3c": """
        ten = list(dict.fromkeys(sleep_study_data.Subject))[:10]
        fig_3c = plt.figure(figsize=(9, 5))
        panel = fig_3c.add_subplot()
        grid = np.linspace(0, 9, 50)
        for sid in ten:
            part = sleep_study_data.loc[sleep_study_data.Subject.eq(sid)]
            fit = smf.ols("Reaction ~ Days", data=part).fit()
            panel.plot(grid, fit.params["Intercept"] + fit.params["Days"] * grid, label=f"Subject {sid}")
        panel.set(xlabel="Days without sleep", ylabel="Mean reaction time [ms]", title="Ten subjects, ten lines")
        panel.legend(ncol=2)
    """,
    "q4b": """
        person = sleep_study_data.query("Subject == 309")
        design = np.column_stack([np.ones(len(person)), person.Days])
        (b_309, m_309), *_ = np.linalg.lstsq(design, person.Reaction.to_numpy(), rcond=None)
        fig_4b = plt.figure()
        axis4 = fig_4b.gca()
        axis4.scatter(person.Days, person.Reaction, marker="s", label="observed")
        axis4.plot(person.Days, design @ np.array([b_309, m_309]), "-", label="least squares")
        axis4.annotate(f"Reaction = {b_309:.2f} + {m_309:.2f} * Days", (0.02, 0.95), xycoords="axes fraction")
        axis4.set(xlabel="Day", ylabel="Reaction (ms)")
        axis4.legend()
    """,
    "q4a": """
        one = sleep_study_data[sleep_study_data.Subject == 308].sort_values("Days")
        m_308, b_308 = np.polyfit(one.Days.to_numpy(float), one.Reaction.to_numpy(float), 1)
        fig_4a, left = plt.subplots(figsize=(6, 4))
        left.scatter(one["Days"], one["Reaction"], s=18, c="tab:blue", label="measured")
        xs_line = np.array([0.0, 9.0])
        left.plot(xs_line, b_308 + m_308 * xs_line, c="black", lw=2, label="own line")
        left.set_title(f"Reaction = {b_308:.2f} + {m_308:.2f} * Days")
        left.set_xlabel("Days of deprivation")
        left.set_ylabel("RT (ms)")
        left.legend(frameon=False)
    """,
    "q6a": """
        subject_1, subject_2 = 371, 337
        u = mixed_results.random_effects
        intercept_1 = fixed_intercept + float(u[subject_1].iloc[0])
        intercept_2 = fixed_intercept + float(u[subject_2].iloc[0])
        fig_6a, panel6 = plt.subplots()
        span = np.array([0, 9])
        for who, level, colour in ((subject_1, intercept_1, "tab:green"), (subject_2, intercept_2, "tab:purple")):
            panel6.plot(span, level + fixed_slope * span, color=colour, label=f"{who}: Reaction = {level:.2f} + {fixed_slope:.2f} * Days")
        panel6.set(xlabel="Days", ylabel="Reaction time (ms)")
        panel6.legend(loc="upper left")
    """,
    "q5a": """
        ri_model = smf.mixedlm("Reaction ~ Days", sleep_study_data, groups="Subject")
        mixed_results = ri_model.fit(method="lbfgs")
        mixed_results.summary()
    """,
    "q5b": """
        estimates = mixed_results.params
        fixed_intercept = float(estimates.iloc[0])
        fixed_slope = float(estimates.iloc[1])
        group_var = float(np.asarray(mixed_results.cov_re)[0][0])
    """,
    "q5c": """
        deviation = {}
        for sid, effect in mixed_results.random_effects.items():
            deviation[int(sid)] = float(effect.values[0])
        random_intercepts = pd.Series(deviation, name="u0").rename_axis("Subject")
        random_intercepts.head()
    """,
}


def _merged(solution: nbformat.NotebookNode, names: list[str], own: dict[str, str] | None = None) -> nbformat.NotebookNode:
    by_name = {entry.name: entry for entry in corpus.CORRECT}
    answers = {question: dedent(text).strip() + "\n" for question, text in (own or {}).items()}
    for name in names:
        for question, answer in by_name[name].answers.items():
            answers.setdefault(question, answer)
    return notebooks.with_answers(solution, answers)  # answer cells only: no cell of the corpus's extra ones


def routes(solution_notebook) -> dict[str, nbformat.NotebookNode]:
    """The three independent correct routes, by name."""
    solution = notebooks.read(solution_notebook)
    return {"solution": solution, "alternatives": _merged(solution, ALTERNATIVES, ALTERNATIVE_FIT),
            "by_hand": _merged(solution, BY_HAND, OWN_ANSWERS)}


def renamed_and_recommented(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy disguised: the copier's own comments, other names for the helper variables, blank lines moved."""
    copy = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    renames = {"ax": "plot_area", "rows": "subset", "days": "day_grid", "fit": "fitted", "person": "who", "grid": "xs"}
    # a helper variable, not an attribute or method (.fit) and not a keyword argument (ax=ax)
    pattern = re.compile(r"(?<![.\w])(" + "|".join(renames) + r")\b(?!=[^=])")
    for index in notebooks.answer_cells(copy).values():
        cell = copy.cells[index]
        lines = [pattern.sub(lambda m: renames[m.group(1)], line) for line in cell.source.splitlines()]
        cell.source = "# my own work on this part\n" + "\n".join(lines) + "\n# done"
    return copy


def copies(solution_notebook) -> dict[str, tuple[str, nbformat.NotebookNode]]:
    """Copies among the class: hand-in name → (the route copied, the notebook)."""
    made = routes(solution_notebook)
    return {"copies_alternatives": ("alternatives", made["alternatives"]),
            "disguises_by_hand": ("by_hand", renamed_and_recommented(made["by_hand"]))}

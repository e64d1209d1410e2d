# nbgrader configuration of the lmm-seminar course, written by `lmm-seminar release`.
c = get_config()  # noqa: F821 (nbgrader provides get_config)
c.CourseDirectory.course_id = "lmm-seminar"
# The student's cells and the tests run in one kernel; fitting the models takes a few seconds.
c.Execute.timeout = 300
# A failing cell shows only its exception and message: feedback then never quotes hidden test code,
# and autograding skips IPython's long tracebacks (about half the time of a notebook with many failures).
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]
# The feedback page shows each test cell's result, not the hidden tests' code: nbgrader's own preprocessor
# that empties the hidden region of a test cell runs on the feedback copy (the graded notebook keeps it).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
# grading/ holds the hidden tests' modules and the reference solution: never released, never collected.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*", "grading"]

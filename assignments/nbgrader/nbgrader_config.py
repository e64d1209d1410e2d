# nbgrader configuration of the lmm-seminar course, written by `lmm-seminar release`.
c = get_config()  # noqa: F821 (nbgrader provides get_config)
c.CourseDirectory.course_id = "lmm-seminar"
# The student's cells and the tests run in one kernel; fitting the models takes a few seconds.
c.Execute.timeout = 300
# grading/ holds the hidden tests' modules and the reference solution: never released, never collected.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*", "grading"]

"""lmm-seminar: an auto-graded seminar on linear mixed-effects models, built on Otter Grader."""

__version__ = "0.1.0"

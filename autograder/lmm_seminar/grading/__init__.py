"""Grading a class: find submissions, run an engine on each, report grades and feedback."""

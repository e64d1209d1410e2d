"""Code that runs inside the sandbox, next to the student's notebook: the warm worker."""

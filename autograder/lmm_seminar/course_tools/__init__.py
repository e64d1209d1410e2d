"""Course tools: what happens to grades after grading (export to a learning management system)."""

"""Prefect flows: thin orchestration around the pure functions of the `clauses` package."""

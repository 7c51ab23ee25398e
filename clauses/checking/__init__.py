"""Checking a relevé (SPEC §6): matching participants, rule facts, rules, explanations, decisions,
and one received file up to its control report."""

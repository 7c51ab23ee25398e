"""Reports (SPEC §8): each module says what its sheets hold; `workbook` says how they look."""

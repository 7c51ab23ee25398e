"""Monthly reports (SPEC §8): figures, MO and company workbooks, suivi des dépôts."""

"""Bilan annuel (SPEC §8): activity and people figures, the workbook."""

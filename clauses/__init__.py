"""Clauses: contrôle et bilans des heures d'insertion pour un guichet unique des clauses sociales."""

__version__ = "0.1.0"

"""Pandera schemas: one class per data shape. They document the columns of Clauses."""

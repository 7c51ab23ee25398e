"""Reading the structures' spreadsheets (SPEC §5): notations, cells, headers, grids, one submission."""

"""The facilitator's registers (SPEC §4): loading and cross-sheet checks."""

"""A served flow runs from a copy pickled by value (Prefect's `Flow.serve` and its runner), whose
parameter model is rebuilt from the function's own globals: every annotation must resolve there.
With `from __future__ import annotations` they were strings naming `datetime`, absent from the
copy's globals, and every served run failed before it started (« not fully defined »)."""

from __future__ import annotations

import importlib

import cloudpickle
import pytest
from prefect import Flow

FLOW_MODULES = ("flows.ingest", "flows.reports", "flows.reminders")


def _flows(name: str) -> list[Flow]:
    module = importlib.import_module(name)
    return [obj for obj in vars(module).values()
            if isinstance(obj, Flow) and obj.fn.__module__ == name]


@pytest.mark.parametrize("name", FLOW_MODULES)
def test_a_flow_copied_by_value_still_validates_its_parameters(name):
    module = importlib.import_module(name)
    cloudpickle.register_pickle_by_value(module)
    try:
        copies = [cloudpickle.loads(cloudpickle.dumps(flow)) for flow in _flows(name)]
    finally:
        cloudpickle.unregister_pickle_by_value(module)
    assert copies
    for copy in copies:
        parameters = copy.validate_parameters({"now": "2026-11-09T08:00:00"})
        assert parameters["now"].isoformat() == "2026-11-09T08:00:00"

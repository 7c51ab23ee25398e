"""`clauses demo DIR`: a synthetic but realistic territory (SPEC §11, last paragraph).

`build_demo` writes the workspace (config, registers, inbox folders) and returns a `DemoPlan`:
the files each structure will drop month after month, and the planted cases the pipeline must
find. Dropping the files and running the flows is the runner's job (`clauses/demo/run.py`).
"""

from clauses.demo.build import DemoPlan, build_demo
from clauses.demo.drops import Drop

__all__ = ["DemoPlan", "Drop", "build_demo"]

"""Territory design: balanced, compact, contiguous territories around reps' homes.

Entry point: :func:`design_territories` (customers, reps, travel model, tiers, workday and
:class:`TerritoryParams` in; :class:`TerritoryResult` out). :func:`customer_workload_h`
gives the hours each customer's visits take per cycle. How it works for planners:
docs/territories.md.

:mod:`planner.territory.solver` is the stage's only OR-Tools adapter.
"""

from planner.territory.design import design_territories
from planner.territory.params import TerritoryParams, TerritoryResult
from planner.territory.workload import customer_workload_h

__all__ = ["TerritoryParams", "TerritoryResult", "customer_workload_h", "design_territories"]

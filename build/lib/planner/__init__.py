"""planner: route and visit-territory planning for field sales teams.

Stages (each one entry function, ``*Params`` in, ``*Result`` out):

- :func:`planner.io.read_customers`, :func:`planner.io.read_reps`: validated inputs
- :func:`planner.network.build_travel_model`: road network or haversine travel times
- :func:`planner.territory.design_territories`: balanced, contiguous territories
- :func:`planner.schedule.plan_territory`: visit calendar and daily routes for one territory
- :func:`planner.maps.render_maps`: Folium maps of a plan
- :func:`planner.pipeline.run_plan`: the whole pipeline for a scenario
"""

__version__ = "0.1.0"

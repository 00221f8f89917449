"""Travel model: road network from OpenStreetMap (osmnx / pyrosm) or the haversine fallback.

Entry point: ``build_travel_model(params: TravelParams, points: pandas.DataFrame) -> TravelModel``
where ``points`` has columns ``point_id, lat, lon`` (customer ids and ``home:<rep>`` /
``start:<rep>`` ids from :mod:`planner.matrix`).

A ``TravelModel`` offers ``matrix(ids) -> TravelMatrix``, ``rect_s(from_ids, to_ids)``,
``path(ids) -> [(lat, lon), ...]``, ``snaps`` and ``warnings``. (Implemented by issue 3.)
"""

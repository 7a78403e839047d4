"""Who sees which rescue rows (core.scoping's arguments), in one place for both parts: a station sees its own,
the station above (regional centre, the city's) and the civil-affairs offices see everything in their region."""

CASE_SCOPE = {"region_field": "station__region", "organization_field": "station"}
SIGHTING_SCOPE = {"region_field": None, "region_path_field": "region_path", "organization_field": "station"}
PATROL_SCOPE = {"region_field": "region", "organization_field": "station"}

"""The rescue app's region settings (core.region_settings finds this module). Each part keeps its definitions in
its own module; this list joins them."""

from jiuzhu.rescue import street_settings

# ---- cases part: add its SETTINGS here ----
SETTINGS = [*street_settings.SETTINGS]

"""Rescue management for vagrants (流浪乞讨人员救助管理), issue #18. Glossary names; Chinese labels.

Two parts build this app in parallel; each adds its models only below its own marker:
- cases: the rescue record (RescueCase) from admission to discharge, care, placements, incidents,
  settlement, regional-centre escalation;
- street: sightings (发现报告) and street patrols (街面巡查).
"""

from django.conf import settings  # noqa: F401
from django.db import models  # noqa: F401

from jiuzhu.core.models import Organization, Region  # noqa: F401

# ---- cases part: models below this line ----


# ---- street part: models below this line ----

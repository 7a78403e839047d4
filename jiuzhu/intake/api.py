"""Intake's API (/api/v1/intake/): one router per part."""

from ninja import Router

from jiuzhu.intake import application_api, referral_api

router = Router()
router.add_router("", application_api.router)
router.add_router("", referral_api.router)

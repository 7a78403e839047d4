from ninja import Router

from jiuzhu.monitoring import feed_api, rule_api, warning_api

router = Router()
router.add_router("", feed_api.router)
router.add_router("", rule_api.router)
router.add_router("", warning_api.router)

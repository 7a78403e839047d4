"""The one JSON API, /api/v1/. Docs and schema are served from the project (no CDN)."""

from ninja import NinjaAPI

from jiuzhu.core.api import router as core_router
from jiuzhu.core.api_support import AUTH, install_error_handlers
from jiuzhu.core.settings_api import router as settings_router
from jiuzhu.core.taskrun_api import router as taskrun_router
from jiuzhu.followup.api import router as followup_router
from jiuzhu.funds.api import router as funds_router
from jiuzhu.intake.api import router as intake_router
from jiuzhu.monitoring.api import router as monitoring_router
from jiuzhu.registry.api import router as registry_router
from jiuzhu.registry.import_api import router as registry_import_router

api = NinjaAPI(
    title="社会救助综合管理平台 API",
    version="1.0.0",
    description="会话认证（浏览器）或部门接口令牌（Authorization: Bearer）。错误统一为 code、message、errors。",
    auth=AUTH,
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/core/", core_router)
api.add_router("/core/", taskrun_router)
api.add_router("/settings/", settings_router)
api.add_router("/registry/", registry_router)
api.add_router("/registry/", registry_import_router)
api.add_router("/monitoring/", monitoring_router)
api.add_router("/intake/", intake_router)
api.add_router("/followup/", followup_router)
api.add_router("/funds/", funds_router)

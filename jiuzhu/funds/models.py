"""资金发放 (issue #21). The safety-net fund and the purchase of services live in their own modules; this module
only gathers them so Django finds every model of the app."""

from .fund_models import *  # noqa: F403
from .fund_models import __all__ as _fund_all
from .purchase_models import *  # noqa: F403
from .purchase_models import __all__ as _purchase_all

__all__ = [*_fund_all, *_purchase_all]

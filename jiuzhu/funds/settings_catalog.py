"""Funds' region settings (core.region_settings finds this module): the performance bands of the purchase of
services (按绩效付费). A milestone's payable share follows its evaluation's total score: from each band's lowest
score on, the band's share of the planned amount; below the lowest band nothing. The national defaults are the
bands the app used before they became local rules (purchase_models.PAYMENT_BANDS); a city or county sets its own
from an effective date, and an evaluation uses the bands in force for the contract's region on its date."""

from decimal import Decimal

from jiuzhu.core.region_settings import SettingDefinition

GROUP = "政府购买服务 · 按绩效付费"
BASIS = "国家默认：优秀（90 分及以上）全额、良好（80 分及以上）90%、合格（60 分及以上）70%、不合格不予支付"

# (grade, score key, default lowest score, share key, default share), best band first.
BANDS = (
    ("优秀", "purchase_band_excellent_score", Decimal(90), "purchase_band_excellent_share", Decimal(1)),
    ("良好", "purchase_band_good_score", Decimal(80), "purchase_band_good_share", Decimal("0.9")),
    ("合格", "purchase_band_pass_score", Decimal(60), "purchase_band_pass_share", Decimal("0.7")),
)
KEYS = [key for _, score_key, _, share_key, _ in BANDS for key in (score_key, share_key)]

SETTINGS = [
    definition
    for grade, score_key, score, share_key, share in BANDS
    for definition in (
        SettingDefinition(key=score_key, label=f"绩效评价“{grade}”最低分", unit="分", group=GROUP, default=score,
                          minimum=Decimal(0), maximum=Decimal(100), basis=BASIS, hint="百分制"),
        SettingDefinition(key=share_key, label=f"绩效评价“{grade}”支付比例", unit="（1 为全额）", group=GROUP,
                          default=share, minimum=Decimal(0), maximum=Decimal(1), basis=BASIS,
                          hint="按计划金额的比例，如 0.9"),
    )
]


def payment_bands(region, on) -> tuple[tuple[Decimal, Decimal, str], ...]:
    """(lowest score, share, grade) of each band in force for the region on the date, best first: one query for
    the six settings (core.region_settings.settings_in_force), nearest ancestor's version first, else the
    national default."""
    from jiuzhu.core.region_settings import settings_in_force

    rows = settings_in_force(KEYS, region, on)

    def value(key, default):
        return Decimal(str(rows[key].value)) if key in rows else default

    bands = [(value(score_key, score), value(share_key, share), grade)
             for grade, score_key, score, share_key, share in BANDS]
    return tuple(sorted(bands, key=lambda band: band[0], reverse=True))

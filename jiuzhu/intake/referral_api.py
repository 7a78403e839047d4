from ninja import Router

router = Router()  # endpoints of the referral part

from ninja import Router

router = Router()  # application and referral endpoints land here (api part)

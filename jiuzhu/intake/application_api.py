from ninja import Router

router = Router()  # endpoints of the application part

"""Event kinds of the purchase of services (core/events.py): grep a kind to find who writes it."""


class PurchaseEvent:
    PROVIDER_REGISTERED = "funds.provider_registered"
    CONTRACT_SIGNED = "funds.contract_signed"
    STAFF_DISPATCHED = "funds.staff_dispatched"
    SERVICE_RECORDED = "funds.service_recorded"  # on the person's assistance chain
    SERVICE_CONFIRMED = "funds.service_confirmed"
    SERVICE_RETURNED = "funds.service_returned"
    MILESTONE_EVALUATED = "funds.milestone_evaluated"
    MILESTONE_PAID = "funds.milestone_paid"

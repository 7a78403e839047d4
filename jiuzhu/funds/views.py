"""Payment pages (stub while the services are built)."""
from django.http import HttpResponse


def _stub(request, *args, **kwargs):
    return HttpResponse("")


roll_list = roll_list_export = roll_prepare = roll_detail = line_list = roll_print = bank_file = return_file = \
    roll_action = line_action = hit_override = _stub

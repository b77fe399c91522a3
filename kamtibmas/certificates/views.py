from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from kamtibmas.certificates.keys import public_keyset


@require_safe
@cache_control(public=True, max_age=300)
def keys_json(request: HttpRequest) -> JsonResponse:
    """``/.well-known/kamtibmas/keys.json``: the public keys that verify certificates
    (PRODUCT.md §6). Short caching, so a compromised key stops verifying everywhere
    within minutes."""
    return JsonResponse(public_keyset())

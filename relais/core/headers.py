"""Response headers every page and API answer carries: nothing personal kept in a browser's or a
proxy's cache, and no powerful browser feature offered to the pages."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers

# Relais never uses the camera, the microphone, location or payments from its own pages (a
# visio-guichet opens the partner's tool in its own window).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class PrivateResponseHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Pages and API answers hold personal data (or a CSRF token, or a personal link): a shared
        # computer's back button or a proxy must not serve them again. Static files never come
        # here (WhiteNoise answers them first, with their own long cache).
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

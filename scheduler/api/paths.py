"""Which requests are the API's: everything under /api/, and /api itself."""

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """By the path within the site (path_info), so that a site mounted under a prefix still
    knows its API."""
    path = request.path_info
    return path == API_PREFIX.rstrip("/") or path.startswith(API_PREFIX)

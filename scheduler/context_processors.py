from django.conf import settings


def environment(request):
    """Names the environment in admin pages, so staff never mistake production for a demo."""
    return {"django_env": settings.DJANGO_ENV}

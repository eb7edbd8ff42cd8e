from django.contrib.auth.middleware import LoginRequiredMiddleware


class AgentLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a logged-in agent unless marked @login_not_required.

    The API authenticates its own way (integration tokens) and answers 401/403 rather than redirecting.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

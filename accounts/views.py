"""Sign-in, profile, password and language: the pages every user has, staff or client."""
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .forms import JinduPasswordChangeForm, LoginForm, ProfileForm
from .models import User


@login_required
def home(request):
    if request.user.is_client:
        return redirect("portal:home")
    return redirect("projects:list")


# Where a client may land after signing in: their portal and the pages every user has.
CLIENT_LANDING_NAMESPACES = {"portal", "notifications", "accounts"}


def client_may_land(path):
    """Whether `path` is a page of the client's own space (else they go to their portal)."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return False
    return bool(CLIENT_LANDING_NAMESPACES & set(match.namespaces))


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        """Clients always land in their portal: a `next` pointing inside the company (an old
        bookmark, a shared link) would only show them a 404."""
        url = super().get_success_url()
        if self.request.user.is_client and not client_may_land(url):
            return reverse("portal:home")
        return url


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    form_class = JinduPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.language)
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        _remember_language(response, user.language)
        return response
    return render(request, "accounts/profile.html", {"form": form})


def _remember_language(response, code):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request):
    """Switch language: saved on the user when signed in, else Django's cookie semantics."""
    if not request.user.is_authenticated:
        return django_set_language(request)
    code = request.POST.get("language", "")
    next_url = request.POST.get("next") or request.headers.get("referer") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    if code not in User.Language.values:
        return redirect(next_url)
    request.user.language = code
    request.user.save(update_fields=["language"])
    translation.activate(code)
    response = redirect(next_url)
    _remember_language(response, code)
    return response

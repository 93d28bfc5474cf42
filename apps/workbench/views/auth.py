"""Sign-in and sign-out of the workbench (Django's own views with the workbench's look)."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from ..forms_auth import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "workbench/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("workbench:home")  # without ?next=: the workbench, not /accounts/profile/


class SignOutView(auth_views.LogoutView):
    next_page = "workbench:login"

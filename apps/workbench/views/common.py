"""What every workbench view shares: sign-in, the user's sections, form errors from services."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse_lazy

from ..roles import sections_for

LOGIN_URL = reverse_lazy("workbench:login")


def signed_in(view):
    """Anonymous users go to the workbench's sign-in page (and come back after)."""
    return login_required(view, login_url=LOGIN_URL)


def sections(request):
    """The user's sections, computed once per request (kept on the request, never on a class)."""
    if not hasattr(request, "_workbench_sections"):
        request._workbench_sections = sections_for(request.user)
    return request._workbench_sections


def requires(section_name):
    """The view needs one section of the workbench (else 404: nothing to see here)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from django.http import Http404

            if not getattr(sections(request), section_name):
                raise Http404
            return view(request, *args, **kwargs)

        return signed_in(wrapped)

    return decorator


def under(units, field="unit__path") -> Q:
    """Rows whose unit lies under one of ``units``."""
    where = Q(pk__in=[])
    for unit in units:
        where |= Q(**{f"{field}__startswith": unit.path})
    return where


def apply_errors(form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` on the form: on the field it names when the form has
    it, otherwise at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def page(request, template, context, fragment=None, status=200):
    """The whole page, or only ``fragment`` when htmx asks for a part of it."""
    name = fragment if fragment and request.htmx and not request.htmx.boosted else template
    return render(request, name, context, status=status)

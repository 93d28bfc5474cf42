"""Admin helpers shared by the units, party, reports and evaluations admins."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect


def refusal_text(exc) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


class DeleteRefusalMixin:
    """A service that refuses a delete (a rule: "still has members") answers with a message on
    the page, never a server error; the object stays."""

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            self.message_user(request, refusal_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")

    def delete_queryset(self, request, queryset):
        from apps.core.writes import writes_for

        for obj in queryset:
            try:
                writes_for(type(obj)).delete(instance=obj, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{obj}：{refusal_text(exc)}", messages.ERROR)

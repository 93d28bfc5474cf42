"""Login lockouts (django-axes) in the admin, in Chinese, for superusers.

Field and model names come from ``locale/zh_Hans`` (axes ships no Chinese catalog); the app
name and the two computed columns that axes leaves without a description are set here. The
admins are axes' own, subclassed, so clean-up actions and filters stay as upstream wrote them.
"""

from django.apps import apps
from django.contrib import admin

AXES_APP_NAME = "登录安全（防暴力破解）"


def install() -> None:
    if not apps.is_installed("axes"):
        return
    from axes.conf import settings as axes_settings

    apps.get_app_config("axes").verbose_name = AXES_APP_NAME
    if not getattr(axes_settings, "AXES_ENABLE_ADMIN", True):
        return
    import axes.admin as axes_admin  # registers axes' admins if autodiscovery has not yet
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
        @admin.display(description="失效时间")
        def expiration(self, obj):
            return obj.expiration.expires_at if hasattr(obj, "expiration") else "未设置"

        @admin.display(description="状态")
        def status(self, obj):
            remaining = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
            return f"还可尝试 {remaining} 次" if remaining > 0 else "已锁定"

    class AccessLogAdmin(axes_admin.AccessLogAdmin):
        pass

    class AccessFailureLogAdmin(axes_admin.AccessFailureLogAdmin):
        pass

    for model, model_admin in (
        (AccessAttempt, AccessAttemptAdmin),
        (AccessLog, AccessLogAdmin),
        (AccessFailureLog, AccessFailureLogAdmin),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)


install()

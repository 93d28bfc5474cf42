"""In-app notices produced by services and tasks (reminders, escalations, decisions)."""

from django.conf import settings
from django.db import models


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """A notice belongs to its recipient only, whatever their grants."""
        if user is None or not user.is_authenticated:
            return self.none()
        field = "recipient_id" if self.model.__name__ == "Notification" else "user_id"
        return self.filter(**{field: user.pk})

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One notice to one user. ``dedupe_key`` makes a task that runs twice notify once."""

    scope_field = None  # owned by its recipient, not by a unit

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    category = models.CharField("类别", max_length=40, blank=True, db_index=True)
    dedupe_key = models.CharField("去重键", max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """How one user wants to be told, beyond the in-app inbox (which always keeps the notice:
    it is the record of who was told, and what makes a reminder idempotent)."""

    scope_field = None  # owned by its user, not by a unit

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name="用户",
    )
    email = models.BooleanField("同时发送电子邮件", default=True, help_text="发往账号中登记的电子邮箱")
    email_categories = models.JSONField(
        "发送邮件的通知类别",
        default=list,
        blank=True,
        help_text="为空表示全部类别；例如 reports、party、people",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知偏好"
        verbose_name_plural = "通知偏好"

    def __str__(self):
        return f"{self.user} 的通知偏好"

    def wants_email(self, category: str) -> bool:
        return self.email and (not self.email_categories or category in self.email_categories)

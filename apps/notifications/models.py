"""In-app notices produced by services and tasks (reminders, escalations, decisions)."""

from django.conf import settings
from django.db import models


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """A notice belongs to its recipient only, whatever their grants."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient_id=user.pk)

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

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox")]

    def __str__(self):
        return self.title

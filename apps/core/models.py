"""Bookkeeping shared by the apps: who holds a background job and when it was last queued."""

from django.db import models


class JobClaim(models.Model):
    """The claim on one job row (an ``ImportJob``, ...) and its outbox bookkeeping.

    The job row itself is the outbox (its status says whether work is owed); this row says
    when a task message for it was last sent, which worker runs it now (``owner``) and when
    that worker last said it was alive (``heartbeat_at``). A claim whose heartbeat is older
    than ``JOB_CLAIM_LEASE`` seconds belongs to a dead worker and may be taken over.
    See ``apps.core.jobs``.
    """

    kind = models.CharField("任务类型", max_length=60)
    object_id = models.BigIntegerField("任务编号")
    owner = models.CharField("执行进程", max_length=120, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    enqueued_at = models.DateTimeField("最近入队", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("执行次数", default=0)

    class Meta:
        verbose_name = "后台任务认领"
        verbose_name_plural = "后台任务认领"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="job_claim_unique")]

    def __str__(self):
        return f"{self.kind}:{self.object_id}"

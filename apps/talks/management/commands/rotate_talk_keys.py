"""Re-encrypt talk content with the newest key, in batches (resumable with --after-id)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.talks import crypto
from apps.talks.models import FollowUp, TalkRecord

FIELDS = {
    TalkRecord: ["state_of_mind_enc", "warning_signs_enc", "difficulties_enc"],
    FollowUp: ["description_enc", "outcome_enc"],
}


class Command(BaseCommand):
    help = "用最新密钥重新加密谈心谈话内容（分批进行，可用 --after-id 断点续做）。"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--after-id", type=int, default=0)

    def handle(self, *args, batch_size, after_id, **options):
        for model, fields in FIELDS.items():
            last, done = after_id, 0
            while True:
                with transaction.atomic():
                    batch = list(
                        model.objects.select_for_update()
                        .filter(pk__gt=last)
                        .order_by("pk")
                        .only("pk", *fields)[:batch_size]
                    )
                    if not batch:
                        break
                    for obj in batch:
                        for name in fields:
                            setattr(obj, name, crypto.rotate(getattr(obj, name)))
                    model.objects.bulk_update(batch, fields)
                last, done = batch[-1].pk, done + len(batch)
                if options["verbosity"]:
                    self.stdout.write(f"{model._meta.verbose_name}: {done} 条已重新加密（至 id={last}）")

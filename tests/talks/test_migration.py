"""Migration 0003 moves the old guardian per-record grants of talk records into shares."""

import importlib

import pytest
from django.apps import apps

from apps.talks.models import TalkRecord, TalkShare
from tests.factories.talks import make_talk
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def test_old_per_record_grants_become_shares_and_leave_guardians_table(cast, tree):
    from guardian.models import UserObjectPermission
    from guardian.shortcuts import assign_perm

    talk = make_talk(cast.person, cast.talker)
    reader = user_with_role("viewer", tree.station2, "old_reader")
    assign_perm("talks.view_talk_content", reader, talk)
    assign_perm("talks.view_talkrecord", reader, talk)
    migration = importlib.import_module("apps.talks.migrations.0003_share_lifecycle_and_kept_log")
    migration.keep_log_rows_and_move_shares(apps, None)
    share = TalkShare.objects.get()
    assert (share.record, share.reader, share.shared_by, share.ends_on) == (talk, reader, None, None)
    assert not UserObjectPermission.objects.filter(object_pk=str(talk.pk)).exists()
    assert TalkRecord.objects.visible_to(reader, "view").filter(pk=talk.pk).exists()

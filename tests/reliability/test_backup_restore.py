"""A backup restored into a fresh database has every record, every history row and talk
content that still decrypts."""

import subprocess

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from apps.talks import crypto
from apps.talks.models import TalkRecord
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore need PostgreSQL"),
]
TABLES = [
    "units_unit",
    "people_person",
    "people_historicalperson",
    "talks_talkrecord",
    "talks_historicaltalkrecord",
    "auth_user",
    "access_grant",
]


def counts(conninfo) -> dict:
    with psycopg.connect(conninfo) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_backup_and_restore_keep_everything(tree, tmp_path):
    talker = make_user("backup_talker", is_superuser=True)
    talk = make_talk(make_person(tree.station), talker, state_of_mind="备份前的谈话内容")
    db = connection.settings_dict
    dump = tmp_path / "orgportal.dump"
    call_command("backup_db", str(dump))
    assert dump.stat().st_size > 0
    restored = f"{db['NAME']}_restored"
    subprocess.run(
        ["dropdb", "--if-exists", "-h", db["HOST"] or "127.0.0.1", "-U", db["USER"] or "postgres", restored],
        check=True,
    )
    try:
        call_command("restore_db", str(dump), database_name=restored, create=True)
        base = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER'] or 'postgres'}"
        original, copy = counts(f"{base} dbname={db['NAME']}"), counts(f"{base} dbname={restored}")
        assert copy == original and copy["talks_talkrecord"] == 1 and copy["people_historicalperson"] >= 1
        with psycopg.connect(f"{base} dbname={restored}") as conn:
            token = conn.execute(
                "SELECT state_of_mind_enc FROM talks_talkrecord WHERE id = %s", [talk.pk]
            ).fetchone()[0]
        assert crypto.decrypt(token) == "备份前的谈话内容"
        assert TalkRecord.objects.get(pk=talk.pk).decrypted_content()["state_of_mind"] == "备份前的谈话内容"
    finally:
        connection.close()
        subprocess.run(
            [
                "dropdb",
                "--if-exists",
                "-h",
                db["HOST"] or "127.0.0.1",
                "-U",
                db["USER"] or "postgres",
                restored,
            ],
            check=False,
        )

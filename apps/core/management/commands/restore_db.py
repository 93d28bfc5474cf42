"""Restore a file made by ``manage.py backup_db`` into the configured database (or into
``--database-name`` on the same PostgreSQL server). Existing objects are replaced."""

import shutil
import subprocess

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .backup_db import pg_args, pg_env


class Command(BaseCommand):
    help = "从 backup_db 生成的文件恢复数据库（会覆盖现有数据）。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database-name", help="PostgreSQL: restore into this database instead")
        parser.add_argument("--create", action="store_true", help="PostgreSQL: create the database first")

    def handle(self, *args, file, database_name=None, create=False, **options):
        db = connection.settings_dict
        if connection.vendor == "postgresql":
            name = database_name or db["NAME"]
            if create:
                result = subprocess.run(
                    ["createdb", *pg_args(db), name], env=pg_env(db), capture_output=True, text=True
                )
                if result.returncode:
                    raise CommandError(f"createdb 失败：{result.stderr.strip()}")
            command = [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                "-d",
                name,
                *pg_args(db),
                file,
            ]
            result = subprocess.run(command, env=pg_env(db), capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_restore 失败：{result.stderr.strip()}")
        elif connection.vendor == "sqlite":
            connection.close()
            shutil.copyfile(file, database_name or db["NAME"])
        else:
            raise CommandError(f"不支持的数据库：{connection.vendor}")
        self.stdout.write(self.style.SUCCESS("恢复完成"))

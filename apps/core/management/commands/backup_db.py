"""Dump the whole database to one file: pg_dump (custom format) on PostgreSQL, an online
copy on SQLite. Restore with ``manage.py restore_db``."""

import os
import sqlite3
import subprocess

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def pg_env(settings_dict) -> dict:
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def pg_args(settings_dict) -> list[str]:
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", settings_dict["USER"]]
    return args


class Command(BaseCommand):
    help = "备份整个数据库到一个文件（PostgreSQL：pg_dump 自定义格式；SQLite：在线复制）。"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        db = connection.settings_dict
        if connection.vendor == "postgresql":
            command = ["pg_dump", "-Fc", "--no-owner", "-f", file, *pg_args(db), db["NAME"]]
            result = subprocess.run(command, env=pg_env(db), capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_dump 失败：{result.stderr.strip()}")
        elif connection.vendor == "sqlite":
            source = sqlite3.connect(db["NAME"])
            target = sqlite3.connect(file)
            with target:
                source.backup(target)
            source.close()
            target.close()
        else:
            raise CommandError(f"不支持的数据库：{connection.vendor}")
        self.stdout.write(self.style.SUCCESS(f"已备份到 {file}"))

"""Fill the database with province-scale data for the benchmarks (see bench/generate/)."""

import time

from django.core.management.base import BaseCommand

from bench.generate import generate


class Command(BaseCommand):
    help = "生成省级规模的测试数据（确定性，按 --seed；PostgreSQL 上用 COPY 写入）。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--code", default="GEN", help="code of the generated corps (unique)")

    def handle(self, *args, scale, seed, code, **options):
        started = time.monotonic()
        figures = generate(scale=scale, seed=seed, root_code=code, log=self.stdout.write)
        self.stdout.write(f"total {time.monotonic() - started:.1f}s")
        for table, count in figures.items():
            if isinstance(count, int) and not table.startswith("per_"):
                self.stdout.write(f"  {table:<24} {count:>10,}")

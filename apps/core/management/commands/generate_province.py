"""Fill the database with province-scale data for the benchmarks (see bench/generate.py)."""

import time

from django.core.management.base import BaseCommand

from bench.generate import generate


class Command(BaseCommand):
    help = "生成省级规模的测试数据（确定性，按 --seed）。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--code", default="GEN")

    def handle(self, *args, scale, seed, code, **options):
        started = time.monotonic()
        figures = generate(scale=scale, seed=seed, root_code=code)
        self.stdout.write(f"{figures} in {time.monotonic() - started:.1f}s")

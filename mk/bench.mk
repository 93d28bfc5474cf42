.PHONY: bench generate-province
BENCH_SCALE ?= 1.0
BENCH_ARGS ?=
## Province-scale data into DATABASE_URL (deterministic): make generate-province BENCH_SCALE=0.1
generate-province: migrate
	$(PY) manage.py generate_province --scale $(BENCH_SCALE)
## Benchmarks against generated data (lists, guardian comparison, operations, a gunicorn +
## locust load run); prints one table, writes bench/results/latest.json. Options through
## BENCH_ARGS, e.g. make bench BENCH_ARGS="--skip-load --repeat 5" (see python -m bench.run -h)
bench: migrate
	$(PY) -m bench.run $(BENCH_ARGS)

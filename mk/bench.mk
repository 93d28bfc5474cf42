.PHONY: bench generate-province
BENCH_SCALE ?= 1.0
## Province-scale data into DATABASE_URL (deterministic): make generate-province BENCH_SCALE=0.1
generate-province: migrate
	$(PY) manage.py generate_province --scale $(BENCH_SCALE)
## Benchmarks against generated data; prints a table, writes bench/results/latest.json
bench: install
	$(PY) -m bench.run

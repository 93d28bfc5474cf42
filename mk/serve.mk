.PHONY: serve worker beat
## Production mode: migrate, check the keys, collect static files if changed, then gunicorn + one
## Celery worker + one beat, each restarted alone (needs DATABASE_URL and REDIS_URL; docs/production.md)
serve: install
	DJANGO_ENV=$${DJANGO_ENV:-production} bin/serve
worker: install
	$(PY) -m celery -A orgportal worker -l INFO
beat: install
	$(PY) -m celery -A orgportal beat -l INFO

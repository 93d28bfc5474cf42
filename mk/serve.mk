.PHONY: serve worker beat
## Production mode: gunicorn + one Celery worker + one beat (needs DATABASE_URL and REDIS_URL)
serve: install
	DJANGO_ENV=$${DJANGO_ENV:-production} bin/serve
worker: install
	$(PY) -m celery -A orgportal worker -l INFO
beat: install
	$(PY) -m celery -A orgportal beat -l INFO

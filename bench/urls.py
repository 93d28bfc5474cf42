"""The product's URLs plus the plain-DRF floors (``bench.floors``): used only by the bench."""

from orgportal.urls import urlpatterns as product_urlpatterns

from .floors import floor_urlpatterns
from .lists import ENDPOINTS, raw_sql_for_prefix

urlpatterns = floor_urlpatterns(ENDPOINTS, raw_sql_for_prefix) + product_urlpatterns

"""The product's URLs plus the plain-DRF floors (``bench.floors``): used only by the bench."""

from orgportal.urls import urlpatterns as product_urlpatterns

from .floors import floor_urlpatterns
from .lists import ENDPOINTS

urlpatterns = floor_urlpatterns(ENDPOINTS) + product_urlpatterns

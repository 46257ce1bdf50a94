from soms.toolkits.delivery.forms import DeliveryEditor
from soms.toolkits.saved.views import url_patterns

urlpatterns = url_patterns(DeliveryEditor)

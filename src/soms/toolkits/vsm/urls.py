from soms.toolkits.saved.views import url_patterns
from soms.toolkits.vsm.forms import VsmEditor

urlpatterns = url_patterns(VsmEditor)

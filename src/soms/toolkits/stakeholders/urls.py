from soms.toolkits.saved.views import url_patterns
from soms.toolkits.stakeholders.forms import StakeholderEditor

urlpatterns = url_patterns(StakeholderEditor)

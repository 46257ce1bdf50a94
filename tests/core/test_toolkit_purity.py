import subprocess
import sys


def test_toolkit_cores_and_charts_import_no_django_and_no_scipy() -> None:
    code = (
        "import sys, soms.core.vsm, soms.core.kpi, soms.core.delivery, soms.core.stakeholders, soms.charts; "
        "sys.exit(1 if any(m.split('.')[0] in ('django', 'scipy') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

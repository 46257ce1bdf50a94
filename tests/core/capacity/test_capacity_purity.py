import subprocess
import sys


def test_capacity_core_imports_no_django() -> None:
    code = "import sys, soms.core.capacity; sys.exit(1 if any(m.split('.')[0] == 'django' for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

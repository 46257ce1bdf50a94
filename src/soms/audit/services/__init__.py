"""Every write of the Service Audit Tool. Pages, API, CLI, jobs and the demo all come through here."""

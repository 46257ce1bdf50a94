"""Every write to people, structure, role profiles, coverage targets and members goes through here."""

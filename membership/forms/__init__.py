"""Forms of the club's pages: they parse and check input; every write goes through membership.services."""

"""The club's writes, one module per concept (enrolment, consents, linking, points, benefits, care, …)."""

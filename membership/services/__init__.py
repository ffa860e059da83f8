"""Every write to the club goes through these modules: enrolment, consents, linking (members);
points, benefits, care (the ledger); referrals, events (growth)."""

"""What `manage.py seed_demo` writes, one module per part of the demo.

- names: the vocabularies people and places are drawn from;
- plan: the shapes of the plan, drawn in pure Python before anything is written;
- estate: city companies, projects, phases, buildings, units;
- customers: people, households, contracts, referrals, a duplicate record to merge;
- staff: the demo logins, the city companies' service accounts, the contractor companies;
- complaints: a year of complaints and their follow-up, a group case, the live SLA demo;
- delivery_planning, delivery_inspection, delivery_rectification: the handover (交付) batches,
  the walks with their defects and sign-offs, then the rectification of those defects;
- summary: what the command prints at the end.

Each step takes the running command (`cmd`): it counts what it creates in cmd.created and leaves
what later steps need on it (cmd.projects, cmd.units, cmd.customers, cmd.contractors,
cmd.city_staff). Every step creates only what is missing, so a second run creates nothing.
"""

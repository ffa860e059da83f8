"""Surveys' own signals. `response_completed` is sent inside the submit's transaction with
`invitation=`: a receiver's writes (a follow-up for an unhappy answer) commit or roll back with it."""

import django.dispatch

response_completed = django.dispatch.Signal()

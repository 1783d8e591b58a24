"""The REST API: the kpis endpoints, and the conventions every endpoint of both apps follows.

The conventions (error shape, pagination, ordering, throttles, schema) live here because okrs depends on kpis and
never the other way round; okrs/api/ holds tokens, teams and the v1 URL configuration.
"""

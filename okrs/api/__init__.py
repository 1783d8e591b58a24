"""The REST API's okrs side: personal access tokens (authentication, scopes, their pages), teams, and the v1 URLs.

The conventions every endpoint follows live in kpis/api/.
"""

"""Roles in templates: `{% load people %}{% if user|is_org_admin %}`."""

from __future__ import annotations

from django import template

from okrs import roles

register = template.Library()


@register.filter
def is_org_admin(user: roles.AnyUser) -> bool:
    return roles.is_org_admin(user)


@register.filter
def is_data_steward(user: roles.AnyUser) -> bool:
    return roles.is_data_steward(user)

"""Reads for personal access tokens."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import Col

from okrs.models import AccessToken


def access_tokens_for_user(*, user: User | AnonymousUser) -> QuerySet[AccessToken]:
    """The user's own tokens, newest first: nobody sees another person's tokens, a superuser neither."""
    if not user.is_authenticated:
        return AccessToken.objects.none()
    return AccessToken.objects.filter(user=user).order_by("-created_at", "-id")


@dataclass(frozen=True)
class _TokenStatement:
    sql: str
    token_fields: list[str]
    user_fields: list[str]
    # Per column that needs one, what the ORM would run on it (e.g. JSON text to a list, SQLite text to a datetime).
    converters: list[tuple[int, list[Any], Col]]


@functools.cache
def _token_statement(vendor: str) -> _TokenStatement:
    """`AccessToken.objects.select_related("user").get(digest=…)` written out once per process: the ORM compiles it
    again for every request, which cost more than running it (docs/benchmarks.md, "Lists on a quiet machine")."""
    token_meta, user_meta = AccessToken._meta, User._meta

    def quote(name: str | None) -> str:
        assert name is not None, "a concrete field has a column"
        return connection.ops.quote_name(name)

    token_columns = [field.get_col("t") for field in token_meta.concrete_fields]
    user_columns = [field.get_col("u") for field in user_meta.concrete_fields]
    columns = [*token_columns, *user_columns]
    converters = []
    for index, column in enumerate(columns):
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    select = ", ".join(
        [f"t.{quote(field.column)}" for field in token_meta.concrete_fields]
        + [f"u.{quote(field.column)}" for field in user_meta.concrete_fields]
    )
    user_id, digest = quote(AccessToken.user.field.column), quote(AccessToken.digest.field.column)
    sql = (
        f"SELECT {select} FROM {quote(token_meta.db_table)} t "
        f"INNER JOIN {quote(user_meta.db_table)} u ON t.{user_id} = u.{quote(User.id.field.column)} "
        f"WHERE t.{digest} = %s"
    )
    return _TokenStatement(
        sql=sql,
        token_fields=[field.attname for field in token_meta.concrete_fields],
        user_fields=[field.attname for field in user_meta.concrete_fields],
        converters=converters,
    )


def access_token_by_digest(*, digest: str) -> AccessToken | None:
    """The token with this digest, with its user, in one indexed query; None when there is none."""
    statement = _token_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, converters, column in statement.converters:
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    split = len(statement.token_fields)
    token = AccessToken.from_db(connection.alias, statement.token_fields, values[:split])
    token.user = User.from_db(connection.alias, statement.user_fields, values[split:])
    return token

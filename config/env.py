"""Strict readers for settings that come from the environment.

Each helper refuses a malformed value with a message that names the variable, instead of guessing: a typo in
production configuration must stop the process, not quietly change its behaviour.
"""

from __future__ import annotations

import datetime
import email.utils
import os
import re
import urllib.parse
import zoneinfo
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_HEADER_NAME = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of: true, false, 1, 0, yes, no.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"{name}={value} is outside {minimum}..{maximum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={raw!r} has an empty entry; separate values with single commas.")
    return items


def env_time_zone(name: str, default: str) -> str:
    raw = os.environ.get(name, default)
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={raw!r} is not an IANA time zone such as Europe/Oslo.") from None
    return raw


def env_date(name: str, default: str) -> datetime.date:
    raw = os.environ.get(name, default)
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a date as YYYY-MM-DD.") from None


def env_header(name: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto: https` as Django's request.META key and value, ('HTTP_X_FORWARDED_PROTO', 'https')."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    header, colon, value = (part.strip() for part in raw.partition(":"))
    if not colon or not value or not _HEADER_NAME.fullmatch(header):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a header and its value, e.g. 'X-Forwarded-Proto: https'.")
    return "HTTP_" + header.upper().replace("-", "_"), value


def env_address(name: str, default: str) -> str:
    """An e-mail address, optionally with a display name: `Pacer <okr@example.com>`."""
    raw = os.environ.get(name, default)
    display, address = email.utils.parseaddr(raw)
    try:
        validate_email(address)
    except ValidationError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not an e-mail address such as 'Pacer <okr@example.com>'."
        ) from None
    return email.utils.formataddr((display, address)) if display else address


@dataclass(frozen=True)
class EmailSettings:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = field(default="", repr=False)
    use_tls: bool = False
    use_ssl: bool = False
    timeout: int = 10


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
_EMAIL_PARTS = ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL")


def env_email(*, unconfigured: EmailSettings) -> EmailSettings:
    """The mail server from EMAIL_URL (smtp://user:password@host:587/?tls=1, smtps://…, console://) or from
    EMAIL_HOST, EMAIL_PORT, … one by one; `unconfigured` when neither is set."""
    url = os.environ.get("EMAIL_URL", "").strip()
    parts = [part for part in _EMAIL_PARTS if os.environ.get(part)]
    if url and parts:
        raise ImproperlyConfigured(f"EMAIL_URL and {', '.join(parts)} are both set; configure e-mail one way only.")
    timeout = env_int("EMAIL_TIMEOUT", unconfigured.timeout, minimum=1, maximum=600)
    if url:
        return _email_from_url(url, timeout)
    if not parts:
        return unconfigured
    settings = EmailSettings(
        SMTP_BACKEND,
        host=env_str("EMAIL_HOST", "localhost"),
        port=env_int("EMAIL_PORT", 25, minimum=1, maximum=65535),
        user=env_str("EMAIL_HOST_USER", ""),
        password=env_str("EMAIL_HOST_PASSWORD", ""),
        use_tls=env_bool("EMAIL_USE_TLS", default=False),
        use_ssl=env_bool("EMAIL_USE_SSL", default=False),
        timeout=timeout,
    )
    if settings.use_tls and settings.use_ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are both true; choose STARTTLS or implicit TLS.")
    return settings


def _email_from_url(url: str, timeout: int) -> EmailSettings:
    parsed = urllib.parse.urlsplit(url)
    # The message names the variable and shows the URL, but never its password.
    shown = url.replace(f":{parsed.password}@", ":***@") if parsed.password else url

    def refuse(problem: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(
            f"EMAIL_URL={shown!r} {problem}; use e.g. smtp://user:password@mail.example.com:587/?tls=1."
        )

    if parsed.scheme == "console" and not (parsed.netloc or parsed.path.strip("/") or parsed.query):
        return EmailSettings(CONSOLE_BACKEND)
    if parsed.scheme not in ("smtp", "smtps"):
        raise refuse("is not an smtp://, smtps:// or console:// URL")
    try:
        port = parsed.port
        options = urllib.parse.parse_qs(parsed.query, keep_blank_values=True, strict_parsing=bool(parsed.query))
    except ValueError:
        raise refuse("has a malformed port or query") from None
    if not parsed.hostname:
        raise refuse("names no host")
    if parsed.path not in ("", "/") or parsed.fragment:
        raise refuse("has a path; only ?tls=1, ?ssl=1 and ?timeout=N may follow the host")
    unknown = sorted(set(options) - {"tls", "ssl", "timeout"})
    if unknown or any(len(values) > 1 for values in options.values()):
        raise refuse(f"has unknown or repeated options {unknown or sorted(options)}")

    def flag(key: str) -> bool:
        value = options.get(key, ["0"])[0].strip().lower()
        if value not in _TRUE | _FALSE:
            raise refuse(f"has {key}={value!r}, which is not a boolean")
        return value in _TRUE

    use_ssl, use_tls = flag("ssl") or parsed.scheme == "smtps", flag("tls")
    if use_ssl and use_tls:
        raise refuse("asks for both STARTTLS (tls) and implicit TLS (ssl or smtps://)")
    if "timeout" in options:
        raw_timeout = options["timeout"][0]
        if not raw_timeout.isdigit() or not 1 <= int(raw_timeout) <= 600:
            raise refuse(f"has timeout={raw_timeout!r}, which is not 1..600 seconds")
        timeout = int(raw_timeout)
    return EmailSettings(
        SMTP_BACKEND,
        host=parsed.hostname,
        port=port or (465 if use_ssl else 587 if use_tls else 25),
        user=urllib.parse.unquote(parsed.username or ""),
        password=urllib.parse.unquote(parsed.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
        timeout=timeout,
    )

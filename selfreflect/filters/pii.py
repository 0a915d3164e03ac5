"""Redact personal data and secrets: e-mail addresses, phone numbers, IP addresses, payment card
numbers, API keys and tokens, and credentials in URLs.

Each kind is replaced by a placeholder (``<EMAIL>``, ``<PHONE>``, ...) and counted in the report
(``counters``: ``pii_email``, ``pii_phone``, ...). Candidates are found with patterns and then
checked: phone numbers with `phonenumbers` (Google's libphonenumber metadata, the ``lite``
package without geocoding), IP addresses with :mod:`ipaddress` (only public addresses: ``127.0.0.1``
and ``192.168.1.1`` are not personal), card numbers with the Luhn checksum and an issuer prefix.
Documentation placeholders (``user@example.com``, ``YOUR_API_KEY``) are left alone.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property, lru_cache
from typing import ClassVar

import regex

from selfreflect.conversation import Conversation, Message
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Rewriter, with_content

#: Kind -> placeholder written in its place.
PLACEHOLDERS: dict[str, str] = {
    "credentials": "<CREDENTIALS>",
    "api_key": "<API_KEY>",
    "secret": "<SECRET>",
    "email": "<EMAIL>",
    "card": "<CARD_NUMBER>",
    "ip": "<IP_ADDRESS>",
    "phone": "<PHONE>",
}

#: Kind -> pattern; where the pattern has a group, only the group is replaced.
_PATTERNS: dict[str, str] = {
    # scheme://user:password@host -> scheme://<CREDENTIALS>@host
    "credentials": r"\b[a-z][a-z0-9+.-]{1,15}://([^\s:/@]+:[^\s/@]+)@",
    "api_key": r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{22,}|AKIA[0-9A-Z]{16}|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b",
    # password = "hunter2abc123", "Authorization: Bearer abc..." (the value only)
    "secret": r"(?i)(?:\b(?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token"
    r"|password|passwd|pwd)[\"']?\s*[:=]\s*[\"']?|\bbearer\s+)"
    r"((?=[A-Za-z0-9_\-./+]*\d)(?=[A-Za-z0-9_\-./+]*[A-Za-z])[A-Za-z0-9_\-./+]{8,}=*)",
    "email": r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])",
    "card": r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])",
    "ip": r"(?<![\w./])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
    r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:])",
    "phone": r"(?<![\w.+/:-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}"
    r"(?:[\s.-]\d{2,5}){1,4}"
    r"(?!\w|[.:/-]\d)|(?<![\w+])\+\d{10,14}(?!\w)",
}

# Cheap tests that must pass before a kind's pattern is run on a text.
# (plain substring tests and the standard library's ``re``: several times faster than a regex
# search per text, and most texts pass none of them)
# Key prefixes, grouped by a character they share so that most texts need one ``in`` per group.
_API_PLAIN = ("AKIA", "AIza", "eyJ", "xox")
_API_DASH = ("sk-", "glpat-")
_API_UNDERSCORE = ("hf_", "github_pat_")
_API_GH = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
_SECRET_WORDS = ("key", "secret", "token", "passw", "pwd", "bearer")
# What the secret pattern needs besides "bearer": one of these words (case folded) and ":" or "=".
_SECRET_KEY_WORDS = ("api", "secret", "token", "passw", "pwd")
_DIGIT_RUN = re.compile(r"\d[\d .()+-]{7,}\d")
# An IPv4-like "1.2.3" is a digit before r"\.\d{1,3}\.\d", an IPv6-like "a:b:" a hex digit before
# ":hex{1,4}:": searched from the literal "." or ":" (many times faster than from a class).
_DOT_NUMBER = re.compile(r"\.\d{1,3}\.\d")
_COLON_HEX = re.compile(r":[0-9a-fA-F]{1,4}:")
_DIGIT = re.compile(r"\d")
_HEX_DIGIT = re.compile(r"[0-9a-fA-F]")
_NO_GATE = dict.fromkeys(PLACEHOLDERS, False)
# Every kind has an "@" or a digit (a key's random part, a secret's value: the patterns ask for
# one), so text with neither is done after one scan.
_AT_OR_DIGIT = re.compile(r"[0-9@]")


def _preceded(text: str, pattern: re.Pattern[str], before: re.Pattern[str]) -> bool:
    """True when ``pattern`` matches somewhere right after a character ``before`` matches."""
    pos = 0
    while (found := pattern.search(text, pos)) is not None:
        start = found.start()
        if start and before.match(text, start - 1):
            return True
        pos = start + 1
    return False


def _ip_like(text: str) -> bool:
    """True for text with "1.2.3" (digits) or "a:b:" (hex) in it, where an address may be."""
    return _preceded(text, _DOT_NUMBER, _DIGIT) or _preceded(text, _COLON_HEX, _HEX_DIGIT)


def _api_like(text: str) -> bool:
    """True for text with the start of an API key in it."""
    if any(p in text for p in _API_PLAIN):
        return True
    if "-" in text and any(p in text for p in _API_DASH):
        return True
    if "_" not in text:
        return False
    return any(p in text for p in _API_UNDERSCORE) or (
        "gh" in text and any(p in text for p in _API_GH)
    )


def _may_hold_secret(text: str) -> bool:
    """False for text the secret pattern cannot match: it needs "bearer", or a key word and
    ":" or "=" (its ignore-case matches of these letters are all in ``casefold()``)."""
    folded = text.casefold()
    if "bearer" in folded:
        return True
    return ("=" in text or ":" in text) and any(w in folded for w in _SECRET_KEY_WORDS)


def _gates(text: str) -> dict[str, bool]:
    if _AT_OR_DIGIT.search(text) is None:
        return _NO_GATE
    at = "@" in text
    runs = _DIGIT_RUN.search(text) is not None
    lower = text.lower()
    secret = any(w in lower for w in _SECRET_WORDS) and _may_hold_secret(text)
    return _gates_of(text, at, runs, secret, _api_like(text), _ip_like(text))


def _gates_of(
    text: str, at: bool, runs: bool, secret: bool, api: bool, ip: bool
) -> dict[str, bool]:
    """Which kinds' patterns to run, from what the cheap tests found."""
    if not (at or runs or secret or api or ip):
        return _NO_GATE
    return {
        "credentials": at and "://" in text,
        "api_key": api,
        "secret": secret,
        "email": at,
        "card": runs,
        "ip": ip,
        "phone": runs,
    }


_PLACEHOLDER_DOMAINS = regex.compile(
    r"@(?:example|test|domain|email|company|yourdomain|acme)\.", regex.IGNORECASE
)
_CARD_PREFIX = regex.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|5))")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_email(text: str) -> bool:
    return not _PLACEHOLDER_DOMAINS.search(text) and not text.lower().startswith("git@")


def _is_card(text: str) -> bool:
    digits = regex.sub(r"\D", "", text)
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and _luhn(digits)


def _is_ip(text: str) -> bool:
    if text.endswith(".0"):
        return False  # a network address ("106.0.0.0" in "Chrome/106.0.0.0"), not a host
    try:
        return ipaddress.ip_address(text).is_global
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _phonenumbers():  # type: ignore[no-untyped-def]
    import phonenumbers

    return phonenumbers


_DATE = regex.compile(r"\b(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})\b")


def _is_phone(text: str, region: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    if digits < 9 or digits > 15 or _DATE.search(text):
        return False
    pn = _phonenumbers()
    try:
        return bool(pn.is_valid_number(pn.parse(text, region)))
    except pn.NumberParseException:
        return False


def _checks(region: str) -> dict[str, Callable[[str], bool]]:
    return {
        "email": _is_email,
        "card": _is_card,
        "ip": _is_ip,
        "phone": lambda t: _is_phone(t, region),
    }


@lru_cache(maxsize=16)
def _pattern(kind: str) -> regex.Pattern[str]:
    return regex.compile(_PATTERNS[kind])


def redact(
    text: str,
    kinds: tuple[str, ...] = tuple(PLACEHOLDERS),
    region: str = "US",
    counts: Counter[str] | None = None,
) -> str:
    """The text with every found kind replaced by its placeholder; ``counts`` gets one per kind.

    Kinds run in :data:`PLACEHOLDERS` order (keys and credentials before e-mails and numbers), each
    only on text that passes its cheap gate (an ``@``, a digit run, a key prefix...).
    """
    gates = _gates(text)
    if gates is _NO_GATE:
        return text
    checks = _checks(region)
    for kind in PLACEHOLDERS:
        if kind not in kinds or not gates[kind]:
            continue
        check = checks.get(kind)

        def replace(
            found: regex.Match[str], kind: str = kind, check: Callable[[str], bool] | None = check
        ) -> str:
            group = 1 if found.re.groups else 0
            value = found.group(group)
            if check is not None and not check(value):
                return found.group()
            if counts is not None:
                counts[kind] += 1
            if not group:
                return PLACEHOLDERS[kind]
            start, end = found.span(1)
            whole = found.group()
            offset = found.start()
            return whole[: start - offset] + PLACEHOLDERS[kind] + whole[end - offset :]

        text = _pattern(kind).sub(replace, text)
    return text


class RedactPII(Rewriter):
    """Replace e-mails, phone numbers, IPs, card numbers, API keys and URL credentials.

    Args:
        kinds: what to replace, any of "credentials" (user:password in a URL), "api_key",
            "secret" (the value after "password=" or "Bearer"), "email", "card", "ip" and
            "phone"; each is replaced by a placeholder such as `<EMAIL>`.
        region: the country (two-letter code, "US", "GB", "DE") whose phone numbers without a "+"
            country prefix are recognised; numbers written with "+" are read in any country.
        roles: the roles whose messages are redacted.
    """

    name = "redact_pii"
    reasons: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        kinds: tuple[str, ...] = tuple(PLACEHOLDERS),
        region: str = "US",
        roles: tuple[str, ...] = ("system", "user", "assistant", "tool"),
    ):
        self.kinds = kinds
        self.region = region
        self.roles = roles

    def check(self) -> None:
        unknown = [k for k in self.kinds if k not in PLACEHOLDERS]
        if unknown:
            raise ValueError(f"unknown PII kind {unknown[0]!r}; known: {', '.join(PLACEHOLDERS)}")

    @cached_property
    def _kinds(self) -> tuple[str, ...]:
        return tuple(k for k in PLACEHOLDERS if k in self.kinds)

    def redact_counted(self, conv: Conversation, counts: Counter[str]) -> Conversation:
        """The record with its PII redacted; what was found is added to ``counts``."""
        messages = conv.messages
        changed: list[Message] | None = None  # a new list only once a message changed
        for index, m in enumerate(messages):
            # nothing any kind could match without an "@" or a digit (see _AT_OR_DIGIT)
            if m.content and m.role in self.roles and _AT_OR_DIGIT.search(m.content):
                new = redact(m.content, self._kinds, self.region, counts)
                if new != m.content:
                    if changed is None:
                        changed = list(messages)
                    changed[index] = with_content(m, new)
        return conv if changed is None else conv.with_messages(changed)

    def rewrite(self, conv: Conversation) -> Conversation:
        return self.redact_counted(conv, Counter())

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        counts: Counter[str] = Counter()
        for conv in records:
            result = self.redact_counted(conv, counts)
            if result is not conv:
                stats.modified += 1
            yield result
        for kind, n in counts.items():
            stats.counters[f"pii_{kind}"] += n

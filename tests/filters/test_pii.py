"""redact_pii: placeholders per kind, counted in the report; look-alikes are left alone."""

import pytest

from selfreflect import Conversation, Message, Pipeline
from selfreflect.filters import RedactPII
from selfreflect.filters.pii import redact

# Documentation-only keys (not real secrets), built at run time so no key-shaped literal is stored.
OPENAI_KEY = "sk-" + "T3stOnlyN0tAKey" * 3
GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5" * 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail me at jane.doe@gmail.com tomorrow", "Mail me at <EMAIL> tomorrow"),
        ("Call +1 415-555-2671 or (415) 555-2671.", "Call <PHONE> or <PHONE>."),
        ("Our office: +44 20 7946 0958", "Our office: <PHONE>"),
        ("The server is at 8.8.4.4, port 53", "The server is at <IP_ADDRESS>, port 53"),
        ("Card 4111 1111 1111 1111 exp 12/25", "Card <CARD_NUMBER> exp 12/25"),
        (f"OPENAI_API_KEY={OPENAI_KEY}", "OPENAI_API_KEY=<API_KEY>"),
        (
            f"git clone https://{GITHUB_TOKEN}@github.com/me/repo",
            "git clone https://<API_KEY>@github.com/me/repo",
        ),
        (
            "postgres://admin:s3cr3tPass@db.internal:5432/app",
            "postgres://<CREDENTIALS>@db.internal:5432/app",
        ),
        ('password = "hunter2hunter2"', 'password = "<SECRET>"'),
        ("Authorization: Bearer abc123def456ghi789", "Authorization: Bearer <SECRET>"),
    ],
)
def test_each_kind_is_replaced_by_its_placeholder(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Write to user@example.com for the demo",  # documentation domain
        "git@github.com:me/repo.git",  # an SSH remote, not a person
        "Run it on 127.0.0.1:8000 or 192.168.1.10",  # private addresses
        "Mozilla/5.0 (Linux) Chrome/106.0.0.0 Safari/537.36",  # a version, not an address
        "Released 2023-01-13 13:07:04, version 1.2.3",  # dates, times, versions
        "ids: [1244212519102340, 3496012332787588]",  # ids that are not cards
        "api_key = YOUR_API_KEY",  # a placeholder, no digits
        "Order #4111111111111112 shipped",  # fails the Luhn check
        "The year 1969 had 365 days; call 911.",
        "我的电话号码不能告诉你。",
    ],
)
def test_look_alikes_are_left_alone(text):
    assert redact(text) == text


def test_counts_per_kind_are_in_the_report_and_tool_messages_are_redacted():
    conv = Conversation(
        id="p",
        messages=[
            Message(role="user", content="I'm jane.doe@gmail.com, call me on +1 415-555-2671"),
            Message(role="assistant", content=None, tool_calls=[{"id": "c1", "type": "function"}]),
            Message(role="tool", content='{"email": "bob.smith@outlook.com"}', tool_call_id="c1"),
            Message(role="assistant", content="Noted, Jane."),
        ],
    )
    result = Pipeline([RedactPII()]).run([conv])
    stats = result.report.steps[1]
    assert stats.counters == {"pii_email": 2, "pii_phone": 1}
    assert stats.modified == 1
    out = result.kept[0]
    assert out.messages[0].content == "I'm <EMAIL>, call me on <PHONE>"
    assert out.messages[1].content is None
    assert out.messages[2].content == '{"email": "<EMAIL>"}'


def test_unknown_kind_fails_before_data_is_read():
    with pytest.raises(ValueError, match="unknown PII kind 'names'"):
        Pipeline([RedactPII(kinds=("email", "names"))]).check()

"""Rule-based cleaning steps for chat data (one concept per module).

Every step here is registered under ``selfreflect.steps`` and documented in ``docs/steps.md``.
"""

# Repairing and normalising text
# Dropping unusable records
from selfreflect.filters.ai_self_reference import DropAISelfReference
from selfreflect.filters.context import DropContextDependent
from selfreflect.filters.emojis import DropEmojiTurns, RemoveEmoji
from selfreflect.filters.empty import DropEmptyTurns

# Whole-stream steps
from selfreflect.filters.garbled import DropGarbled, FixMojibake
from selfreflect.filters.length import DropByLength
from selfreflect.filters.merge import MergePersonaTurns

# Annotating
from selfreflect.filters.persona import MarkPersonaClaims
from selfreflect.filters.pii import RedactPII
from selfreflect.filters.punctuation import NormalizePunctuation
from selfreflect.filters.scrape import RepairScrapeArtefacts
from selfreflect.filters.structure import DropBadStructure
from selfreflect.filters.truncation import CutTruncatedAnswers, JoinContinuations
from selfreflect.filters.whitespace import NormalizeWhitespace

__all__ = [
    "CutTruncatedAnswers",
    "DropAISelfReference",
    "DropBadStructure",
    "DropByLength",
    "DropContextDependent",
    "DropEmojiTurns",
    "DropEmptyTurns",
    "DropGarbled",
    "FixMojibake",
    "JoinContinuations",
    "MarkPersonaClaims",
    "MergePersonaTurns",
    "NormalizePunctuation",
    "NormalizeWhitespace",
    "RedactPII",
    "RemoveEmoji",
    "RepairScrapeArtefacts",
]

"""Step, Filter and Rewriter: the base classes own the loop, the stats and the rejects.

A step sees a stream of conversations and yields, for each, either a kept
:class:`~selfreflect.conversation.Conversation` or a :class:`Reject`.

- :class:`Filter` (per record): write ``keep(conv)`` returning ``bool``, ``(bool, reason)``
  or ``(bool, reason, detail)``.
- :class:`Rewriter` (per record): write ``rewrite(conv) -> Conversation``; return ``conv`` itself
  when nothing changed so the report can count "modified".
- :class:`Step` (stream): override ``run(records, stats)`` for work that needs the whole stream
  (dedup, merging records, batched LLM calls).

``__init__`` only stores its parameters under the same names (scikit-learn's rule), so every
step dumps to a recipe and loads back identically. Heavy setup happens lazily.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from selfreflect.conversation import Conversation, Message, copy_with
from selfreflect.report import StepStats


@dataclass
class Reject:
    """A record that left the pipeline, with the step, a reason code and a readable detail."""

    step: str
    reason: str
    detail: str = ""
    record: Conversation | None = None
    raw: str | None = None
    source: str | None = None
    line: int | None = None
    duplicate_of: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.record is not None:
            self.source = self.source if self.source is not None else self.record.source
            self.line = self.line if self.line is not None else self.record.line

    @property
    def id(self) -> str | None:
        """The id of the rejected record, when it was parsed."""
        return self.record.id if self.record is not None else None

    def to_json(self) -> dict[str, Any]:
        """The line written to the rejects file."""
        out: dict[str, Any] = {
            "step": self.step,
            "reason": self.reason,
            "detail": self.detail,
            "source": self.source,
            "line": self.line,
        }
        if self.record is not None:
            out["id"] = self.record.id
            out["record"] = self.record.to_record()
        else:
            out["raw"] = self.raw
        if self.duplicate_of is not None:
            out["duplicate_of"] = self.duplicate_of
        out.update(self.extra)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reject:
        """A Reject back from its rejects-file line (what :meth:`to_json` wrote)."""
        fields = {
            "step",
            "reason",
            "detail",
            "source",
            "line",
            "id",
            "record",
            "raw",
            "duplicate_of",
        }
        record = data.get("record")
        conv = (
            Conversation.model_validate(record).at(data.get("source"), data.get("line"))
            if isinstance(record, dict)
            else None
        )
        return cls(
            step=data["step"],
            reason=data["reason"],
            detail=data.get("detail") or "",
            record=conv,
            raw=data.get("raw"),
            source=data.get("source"),
            line=data.get("line"),
            duplicate_of=data.get("duplicate_of"),
            extra={k: v for k, v in data.items() if k not in fields},
        )


@dataclass
class Cut(Reject):
    """Messages a step cut from a record it kept: a rejects-file line, not a rejected record.

    The line has ``step``, ``reason``, ``detail``, ``source``, ``line``, ``id``, ``trimmed: true``,
    ``indices`` (positions in the record as that step saw it) and ``messages`` (what was cut).
    """

    indices: list[int] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    record_id: str | None = None

    @property
    def id(self) -> str | None:
        """The id of the record the messages were cut from."""
        return self.record_id

    def to_json(self) -> dict[str, Any]:
        """The line written to the rejects file."""
        return {
            "step": self.step,
            "reason": self.reason,
            "detail": self.detail,
            "source": self.source,
            "line": self.line,
            "id": self.record_id,
            "trimmed": True,
            "indices": self.indices,
            "messages": self.messages,
        }


def cuts_of(conv: Conversation) -> list[Cut]:
    """The rejects-file lines for what steps cut from a record."""
    return [
        Cut(
            step=c["step"],
            reason=c["reason"],
            detail=c["detail"],
            source=conv.source,
            line=conv.line,
            indices=c["indices"],
            messages=c["messages"],
            record_id=conv.id,
        )
        for c in conv.cuts
    ]


Outcome = Conversation | Reject

#: What ``a | b`` builds: :class:`selfreflect.pipeline.Pipeline`, which registers itself when
#: its module loads (:func:`use_pipeline`), so this module never imports it.
_pipeline: Callable[[list[Step]], Any] | None = None


def use_pipeline(cls: Callable[[list[Step]], Any]) -> None:
    """Register the class that ``step_a | step_b`` builds."""
    global _pipeline
    _pipeline = cls


#: The report entry and rejects-file ``step`` of records that could not be read.
READ_STEP = "read"


def read_reject(source: str, line: int, reason: str, detail: str, raw: str) -> Reject:
    """A reject of the ``read`` step naming the file and line in its detail."""
    return Reject(
        READ_STEP, reason, f"{source}:{line}: {detail}", raw=raw, source=source, line=line
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Step:
    """Base of every step: a name, stored parameters and the stream form ``run``."""

    #: The name used in recipes and reports; defaults to the class name in snake_case.
    name: ClassVar[str] = ""
    #: Reason codes this step can give, with what each means (feeds docs and reports).
    reasons: ClassVar[dict[str, str]] = {}
    #: Per-record steps can run in a process pool; stream steps cannot.
    per_record: ClassVar[bool] = False
    #: A stream step whose outcome for a record does not depend on other records (LLM calls):
    #: engines may cut its input into batches and run them apart.
    batchable: ClassVar[bool] = False
    #: Parameters that make a working instance, for tests and docs (``cls(**example_params)``).
    #: Needed only when ``__init__`` has required parameters; defaults are used otherwise.
    example_params: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            cls.name = _snake(cls.__name__)

    def check(self) -> None:
        """Raise ValueError when this step's configuration cannot run (an LLM step without an
        endpoint, say; a parameter outside the range its annotation gives). Pipelines call it
        before they read a record; an override calls ``super().check()``."""
        from selfreflect.params import check_ranges

        check_ranges(self)

    # -- parameters (scikit-learn style) -------------------------------------------------
    @classmethod
    def param_names(cls) -> list[str]:
        """The parameter names of ``__init__``, in order."""
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """The parameters as stored by ``__init__``."""
        return {name: getattr(self, name) for name in self.param_names()}

    def to_dict(self) -> dict[str, Any]:
        """This step as a recipe entry: ``{"step": name, **params}``."""
        return {"step": self.name, **_plain(self.get_params())}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return False
        return _plain(self.get_params()) == _plain(other.get_params())  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), repr(self)))

    def __or__(self, other: Step) -> Any:
        if _pipeline is None:  # pragma: no cover - selfreflect/__init__ imports the pipeline
            raise RuntimeError("import selfreflect.pipeline to compose steps with |")
        return _pipeline([self]) | other

    # -- running --------------------------------------------------------------------------
    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        """Yield a Conversation (kept) or a Reject for every record; count ``modified`` in stats."""
        raise NotImplementedError

    def reject(self, conv: Conversation, reason: str, detail: str = "", **extra: Any) -> Reject:
        """A Reject from this step; the detail defaults to the reason's description."""
        duplicate_of = extra.pop("duplicate_of", None)
        return Reject(
            step=self.name,
            reason=reason,
            detail=detail or self.reasons.get(reason, reason),
            record=conv,
            duplicate_of=duplicate_of,
            extra=extra,
        )


class RecordStep(Step):
    """A step that looks at one record at a time; the pipeline may run it in a process pool."""

    per_record = True

    def process(self, conv: Conversation) -> Outcome:
        """Return the kept (possibly new) conversation or a Reject."""
        raise NotImplementedError

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        for conv in records:
            result = self.process(conv)
            if isinstance(result, Conversation) and result is not conv:
                if len(result.cuts) > len(conv.cuts):
                    stats.trimmed += 1
                else:
                    stats.modified += 1
            yield result


class Filter(RecordStep):
    """Keep or drop whole records. Write ``keep``; True means kept.

    A filter that declares no ``reasons`` drops with one reason, its own name, described by the
    first line of its docstring.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.reasons:
            doc = (cls.__doc__ or "").strip()
            cls.reasons = {cls.name: doc.splitlines()[0] if doc else cls.name}

    @classmethod
    def from_function(
        cls,
        func: Callable[[Conversation], Any] | None = None,
        *,
        name: str | None = None,
        reasons: dict[str, str] | None = None,
    ) -> Any:
        """A Filter class whose ``keep`` is ``func`` (also usable as ``@Filter.from_function``).

        The class takes the function's name, module and docstring, so it pickles (``workers``),
        dumps to a recipe as ``module:name`` and loads back. Instantiate it: ``short()``.
        """
        if func is None:
            return lambda f: cls.from_function(f, name=name, reasons=reasons)
        body: dict[str, Any] = {
            "__doc__": func.__doc__,
            "__module__": func.__module__,
            "__qualname__": func.__qualname__,
            "keep": lambda self, conv: func(conv),
        }
        if name:
            body["name"] = name
        if reasons:
            body["reasons"] = dict(reasons)
        return type(func.__name__, (cls,), body)

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        """True to keep; ``(False, reason)`` or ``(False, reason, detail)`` to drop."""
        raise NotImplementedError

    def process(self, conv: Conversation) -> Outcome:
        verdict = self.keep(conv)
        if isinstance(verdict, tuple):
            kept, reason, *rest = verdict
            if not kept:
                return self.reject(conv, reason, rest[0] if rest else "")
            return conv
        if verdict:
            return conv
        return self.reject(conv, self.name)


#: ``@selfreflect.filter`` turns a function ``conv -> bool | (False, reason[, detail])`` into a
#: Filter class (see :meth:`Filter.from_function`).
filter_function = Filter.from_function


class Rewriter(RecordStep):
    """Change records. Write ``rewrite``; return ``conv`` itself when nothing changed."""

    def rewrite(self, conv: Conversation) -> Conversation:
        """Return a new conversation (``conv.model_copy(update=...)``) or ``conv`` unchanged."""
        raise NotImplementedError

    def process(self, conv: Conversation) -> Outcome:
        return self.rewrite(conv)


class MessageRewriter(Rewriter):
    """A rewriter that maps the text of each message; write ``rewrite_text``."""

    #: Roles whose content is rewritten.
    roles: tuple[str, ...] = ("system", "user", "assistant", "tool")

    def rewrite_text(self, text: str) -> str:
        """Return the new text (or the same string)."""
        raise NotImplementedError

    def rewrite(self, conv: Conversation) -> Conversation:
        roles, rewrite_text = self.roles, self.rewrite_text
        messages = conv.messages
        changed: list[Message] | None = None  # a new list only once a message changed
        for index, message in enumerate(messages):
            content = message.content
            if content is None or message.role not in roles:
                continue
            new = rewrite_text(content)
            if new != content:
                if changed is None:
                    changed = list(messages)
                changed[index] = with_content(message, new)
        return conv if changed is None else conv.with_messages(changed)


def with_content(message: Message, content: str) -> Message:
    """A copy of ``message`` with other content: ``model_copy(update=...)`` in half the time."""
    return copy_with(message, "content", content)


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively, so parameters dump to YAML as plain data."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value

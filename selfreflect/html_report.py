"""The run report as one self-contained HTML file: inline CSS, hand-made SVG charts, no network.

Every piece of user content goes through :func:`html.escape`. Numbers a test (or a script)
may want to read back carry data attributes: ``data-metric`` for the totals,
``data-position``/``data-step``/``data-field`` for the funnel, ``data-position``/``data-step``/
``data-reason`` for reason counts (position: the step's index in the report, so a step used
twice is told apart),
``data-stage``/``data-role``/``data-stat`` for length percentiles.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from selfreflect.conversation import Conversation, Message
from selfreflect.observe import DuplicateCluster, ReflectSample, RunObserver
from selfreflect.report import Report
from selfreflect.stats import LENGTH_EDGES, PERCENTILES, TURN_EDGES, DatasetStats
from selfreflect.steps import Reject

#: Longest text shown for one message before it is cut (the rest is counted, not shown).
MAX_TEXT = 1500

BEFORE_COLOR = "#94a3b8"
AFTER_COLOR = "#0f766e"
DROP_COLOR = "#dc2626"


def e(value: object) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def render_html(
    report: Report, observer: RunObserver | None = None, title: str = "selfreflect run report"
) -> str:
    """The whole report page as a string."""
    parts = [
        _summary(report, observer),
        _funnel(report),
        _reasons(report),
        _groups(report),
    ]
    if observer is not None:
        parts.append(_lengths(observer.before, observer.after))
        parts.append(_distributions(observer.before, observer.after))
        parts.append(_rejected_samples(observer, report))
        parts.append(_clusters(observer))
        parts.append(_conflicts(observer))
        parts.append(_rewrites(observer))
        parts.append(_reflections(observer))
    parts.append(_provenance(report))
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(p for p in parts if p)
    return _PAGE.format(title=e(title), css=_CSS, created=e(created), body=body)


def write_html(
    path: str | os.PathLike[str],
    report: Report,
    observer: RunObserver | None = None,
    title: str = "selfreflect run report",
) -> Path:
    """Render the report and write it atomically (temporary file, then rename)."""
    from selfreflect.formats.writers import atomic_path

    text = render_html(report, observer, title)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


def write_run_report(
    path: str | os.PathLike[str],
    report: Report,
    observer: RunObserver,
    output: str | os.PathLike[str] | None = None,
    title: str = "selfreflect run report",
) -> Path:
    """What the CLI calls after a run: find cluster leaders in ``output``, then write the page."""
    if (
        output is not None
        and Path(output).exists()
        and any(c.kept_text is None for c in observer.clusters.values())
    ):
        from selfreflect.formats import read

        try:
            observer.fill_representatives(read(output))
        except (OSError, ValueError, ImportError):  # the page still shows the ids
            pass
    return write_html(path, report, observer, title)


class HtmlReportHook:
    """The ``--report-html FILE`` seam for a command: every method passes through when no FILE.

    hook = HtmlReportHook(args.report_html)
    kept = hook.output(pipeline.stream(hook.input(records), hook.on_reject(sink), report))
    write(kept, output)
    hook.finish(report, output)
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        title: str = "selfreflect run report",
        provenance: Any = None,
        group_by: str | None = None,
        **observer_options: Any,
    ):
        self.path = path
        self.title = title
        self.provenance = provenance
        self.group_by = group_by
        # observe when a page is asked for, or only the per-group breakdown (report.json)
        self.observer = (
            RunObserver(group_by=group_by, **observer_options) if path or group_by else None
        )

    def input(self, records: Iterable[Any]) -> Iterable[Any]:
        """Wrap the records going into the pipeline."""
        return self.observer.wrap_input(records) if self.observer else records

    def on_reject(self, on_reject: Callable[[Reject], None]) -> Callable[[Reject], None]:
        """Wrap the reject callback."""
        return self.observer.wrap_on_reject(on_reject) if self.observer else on_reject

    def output(self, kept: Iterable[Conversation]) -> Iterable[Conversation]:
        """Wrap the kept records coming out."""
        return self.observer.wrap_output(kept) if self.observer else kept

    def finish(self, report: Report, output: str | os.PathLike[str] | None = None) -> Path | None:
        """Write the page (after the run); returns its path, or None when not asked for."""
        if self.provenance is not None:
            self.provenance.stamp(report)
        if self.observer is not None and self.observer.groups is not None:
            self.observer.groups.mark_observed()
            report.groups = self.observer.groups.to_json()
        if self.path is None or self.observer is None:
            return None
        return write_run_report(self.path, report, self.observer, output, self.title)


# -- sections ---------------------------------------------------------------------------------
def _summary(report: Report, observer: RunObserver | None) -> str:
    cards = [
        ("input", report.input, "records read"),
        ("kept", report.kept, f"{_pct(report.kept, report.input)} of input"),
        ("rejected", report.rejected, f"{_pct(report.rejected, report.input)} of input"),
    ]
    if observer is not None:
        cards.append(("duplicates", observer.duplicates_dropped, "dropped as duplicates"))
        if observer.reflections_seen:
            cards.append(("reflections", observer.reflections_seen, "answers reflected on"))
    html_cards = "".join(
        f'<div class="card"><div class="label">{e(label)}</div>'
        f'<div class="num" id="metric-{e(label)}" data-metric="{e(label)}">{value}</div>'
        f'<div class="hint">{e(hint)}</div></div>'
        for label, value, hint in cards
    )
    seconds = (
        f'<div class="card"><div class="label">time</div><div class="num">'
        f'<span data-metric="seconds">{report.seconds:.2f}</span>s</div>'
        f'<div class="hint">wall clock</div></div>'
    )
    return f'<section id="summary"><div class="cards">{html_cards}{seconds}</div></section>'


def _funnel(report: Report) -> str:
    if not report.steps:
        return ""
    width, label_w, row_h = 760, 190, 30
    scale = max([report.input] + [s.in_ for s in report.steps]) or 1
    bar_w = width - label_w - 170
    rows = []
    for i, s in enumerate(report.steps):
        y = i * row_h + 4
        kept_w = bar_w * s.out / scale
        # a drop of 3 records among 100,000 is still a visible red sliver (at least 3 px)
        drop_w = max(bar_w * s.dropped / scale, 3.0) if s.dropped else 0.0
        rows.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="lbl">{e(s.name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{kept_w:.1f}" height="20" fill="{AFTER_COLOR}">'
            f"<title>{e(s.name)}: {s.out} out</title></rect>"
            f'<rect x="{label_w + kept_w:.1f}" y="{y}" width="{drop_w:.1f}" height="20" '
            f'fill="{DROP_COLOR}"><title>{e(s.name)}: {s.dropped} dropped</title></rect>'
            f'<text x="{label_w + kept_w + drop_w + 6:.1f}" y="{y + 15}" class="val">'
            f"{s.out}{f' (−{s.dropped})' if s.dropped else ''}</text>"
        )
    height = len(report.steps) * row_h + 8
    svg = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="records left after each step">{"".join(rows)}</svg>'
    )
    header = ("step", "in", "out", "dropped", "modified", "seconds")
    trs = []
    for position, s in enumerate(report.steps):
        values = (("in", s.in_), ("out", s.out), ("dropped", s.dropped), ("modified", s.modified))
        tds = "".join(
            f'<td class="n" data-position="{position}" data-step="{e(s.name)}" '
            f'data-field="{k}">{v}</td>'
            for k, v in values
        )
        counters = ", ".join(f"{k}={v}" for k, v in sorted(s.counters.items()))
        trs.append(
            f'<tr><th scope="row">{e(s.name)}'
            f"{f'<div class=hint>{e(counters)}</div>' if counters else ''}</th>{tds}"
            f'<td class="n">{s.seconds:.2f}</td></tr>'
        )
    heads = "".join(f"<th{' class=n' if h != 'step' else ''}>{h}</th>" for h in header)
    table = (
        f'<table class="grid"><thead><tr>{heads}</tr></thead><tbody>{"".join(trs)}</tbody></table>'
    )
    legend = _legend([(AFTER_COLOR, "passed on"), (DROP_COLOR, "dropped")])
    return (
        f'<section id="funnel"><h2>Funnel</h2><p class="hint">Records entering each step; '
        f"teal went on, red was rejected.</p>{legend}{svg}{table}</section>"
    )


def _reasons(report: Report) -> str:
    items = [
        (position, s.name, reason, count)
        for position, s in enumerate(report.steps)
        for reason, count in sorted(s.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    if not items:
        return (
            '<section id="reasons"><h2>Reasons</h2><p class="hint">No record was rejected.'
            "</p></section>"
        )
    top = max(c for *_, c in items)
    rows = []
    for position, step, reason, count in items:
        width = 100 * count / top
        rows.append(
            f"<tr><td>{e(step)}</td><td><code>{e(reason)}</code></td>"
            f'<td class="n" data-position="{position}" data-step="{e(step)}" '
            f'data-reason="{e(reason)}">{count}</td>'
            f'<td class="barcell"><div class="bar" style="width:{width:.1f}%"></div></td></tr>'
        )
    return (
        f'<section id="reasons"><h2>Reasons</h2><table class="grid"><thead><tr><th>step</th>'
        f'<th>reason</th><th class="n">records</th><th></th></tr></thead><tbody>{"".join(rows)}'
        f"</tbody></table></section>"
    )


def _lengths(before: DatasetStats, after: DatasetStats) -> str:
    roles = [r for r in before.roles_seen()] + [
        r for r in after.roles_seen() if r not in before.roles
    ]
    if not roles:
        return ""
    blocks = []
    for role in roles:
        b = before.chars.get(role)
        a = after.chars.get(role)
        b_bins = [c for _, _, c in b.histogram()] if b else [0] * len(LENGTH_EDGES)
        a_bins = [c for _, _, c in a.histogram()] if a else [0] * len(LENGTH_EDGES)
        svg = _histogram_svg(role, b_bins, a_bins)
        rows = []
        for stage, dist_by_role in (("before", before.chars), ("after", after.chars)):
            dist = dist_by_role.get(role)
            pcts = dist.percentiles() if dist else {}
            n = dist.n if dist else 0
            cells = "".join(
                f'<td class="n" data-stage="{stage}" data-role="{e(role)}" data-stat="{k}">'
                f"{pcts.get(k, 0)}</td>"
                for k in _STATS
            )
            rows.append(
                f'<tr><th scope="row">{stage}</th>'
                f'<td class="n" data-stage="{stage}" data-role="{e(role)}" '
                f'data-stat="n">{n}</td>{cells}</tr>'
            )
        table = (
            f'<table class="grid small"><thead><tr><th>chars</th><th class="n">messages</th>'
            f"{''.join(f'<th class=n>{k}</th>' for k in _STATS)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        blocks.append(f'<div class="rolebox"><h3>{e(role)}</h3>{svg}{table}</div>')
    legend = _legend(
        [(BEFORE_COLOR, "before (entering the first step)"), (AFTER_COLOR, "after (kept)")]
    )
    return (
        f'<section id="lengths"><h2>Message lengths per role</h2><p class="hint">Characters '
        f"per message; bins grow 1-2-5 so short and long texts both show.</p>{legend}"
        f'<div class="roles">{"".join(blocks)}</div></section>'
    )


_STATS = [f"p{q}" for q in PERCENTILES] + ["max"]


def nice_ticks(peak: int, most: int = 5) -> list[int]:
    """Round y-axis ticks from 0 covering ``peak`` (1-2-5 steps, at most ``most`` + 1 ticks)."""
    if peak <= 0:
        return [0, 1]
    step = 1
    while peak / step > most:
        step = _next_step(step)
    top = -(-peak // step) * step
    return list(range(0, top + 1, step))


def _next_step(step: int) -> int:
    digits = str(step)
    lead, zeros = int(digits[0]), len(digits) - 1
    return (2 if lead == 1 else 5 if lead == 2 else 10) * 10**zeros


def bars_svg(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    xlabel: str,
    aria: str,
    titles: Sequence[str] | None = None,
    width: int = 380,
    height: int = 190,
) -> str:
    """Grouped bars with y-axis ticks and grid, and x labels turned to stay readable."""
    n = len(labels)
    if not n:
        return '<p class="hint">nothing to show</p>'
    left, bottom, top, right = 46, 52, 10, 8
    plot_w, plot_h = width - left - right, height - bottom - top
    slot = min(plot_w / n, 56.0)  # a lone bin stays a bar, not a block
    peak = max((max(values) for _, _, values in series if values), default=0)
    ticks = nice_ticks(peak)
    scale = ticks[-1] or 1
    base = height - bottom
    out = []
    for t in ticks:
        y = base - plot_h * t / scale
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'class="{"axis" if t == 0 else "grid"}"/><text x="{left - 4}" '
            f'y="{y + 3:.1f}" text-anchor="end" class="tick">{_count(t)}</text>'
        )
    bw = slot * 0.8 / max(1, len(series))
    for i, label in enumerate(labels):
        x = left + i * slot
        for k, (name, color, values) in enumerate(series):
            count = values[i]
            h = plot_h * count / scale
            if count and h < 1.5:
                h = 1.5  # a handful among thousands still shows
            what = titles[i] if titles else label
            out.append(
                f'<rect x="{x + slot * 0.1 + k * bw:.1f}" y="{base - h:.1f}" '
                f'width="{max(bw - 1, 1):.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{e(name)}, {e(what)}: {count}</title></rect>"
            )
        cx = x + slot / 2
        out.append(
            f'<text x="{cx:.1f}" y="{base + 12}" text-anchor="end" class="tick" '
            f'transform="rotate(-40 {cx:.1f} {base + 12})">{e(label)}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 3}" text-anchor="middle" '
        f'class="tick">{e(xlabel)}</text>'
    )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{e(aria)}">{"".join(out)}</svg>'
    )


def _count(n: int) -> str:
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def _histogram_svg(role: str, before: Sequence[int], after: Sequence[int]) -> str:
    used = [i for i in range(len(LENGTH_EDGES)) if before[i] or after[i]]
    if not used:
        return '<p class="hint">no messages</p>'
    lo, hi = used[0], used[-1]
    bins = range(lo, hi + 1)
    return bars_svg(
        [_bin_label(i) for i in bins],
        [
            ("before", BEFORE_COLOR, [before[i] for i in bins]),
            ("after", AFTER_COLOR, [after[i] for i in bins]),
        ],
        "characters per message",
        f"{role} message length histogram",
        titles=[f"{role} {_bin_label(i)} chars" for i in bins],
    )


def _bin_label(i: int) -> str:
    lo = LENGTH_EDGES[i]
    if i + 1 < len(LENGTH_EDGES):
        hi = LENGTH_EDGES[i + 1] - 1
        return (
            str(lo)
            if hi == lo
            else f"{_short(lo)}–{_short(hi + 1)}"
            if lo >= 1000
            else f"{lo}–{hi}"
        )
    return f"{_short(lo)}+"


def _short(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _rejected_samples(observer: RunObserver, report: Report) -> str:
    if not observer.rejected:
        return ""
    order = {s.name: i for i, s in enumerate(report.steps)}
    keys = sorted(
        observer.rejected,
        key=lambda k: (order.get(k[0], len(order)), -observer.reject_counts[k], k[1]),
    )
    groups = []
    for step, reason in keys:
        rejects = observer.rejected[(step, reason)]
        total = observer.reject_counts[(step, reason)]
        items = "".join(_reject_item(r) for r in rejects)
        groups.append(
            f'<details class="group"><summary><code>{e(step)}</code> / <code>{e(reason)}</code>'
            f' <span class="hint">— showing {len(rejects)} of <span data-sample-step="{e(step)}" '
            f'data-sample-reason="{e(reason)}">{total}</span></span></summary>{items}</details>'
        )
    return (
        f'<section id="rejected"><h2>Rejected records, by reason</h2><p class="hint">The '
        f"first {observer.samples_per_reason} of each reason; click to open.</p>"
        f"{''.join(groups)}</section>"
    )


def _reject_item(reject: Reject) -> str:
    where = f"{reject.source}:{reject.line}" if reject.source else ""
    head = (
        f'<div class="meta"><b>{e(reject.id or "(unparsed)")}</b> <span class="hint">'
        f"{e(where)}</span><div>{e(reject.detail)}</div></div>"
    )
    if reject.record is not None:
        body = _messages(reject.record)
    else:
        body = f'<pre class="text">{_cut(reject.raw or "")}</pre>'
    return f'<div class="item">{head}{body}</div>'


def _messages(conv: Conversation) -> str:
    return "".join(
        f'<div class="msg {e(m.role)}"><span class="role">{e(m.role)}</span>'
        f'<pre class="text">{_cut(m.text)}</pre></div>'
        for m in conv.messages
    )


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    if len(text) <= limit:
        return e(text)
    return f'{e(text[:limit])}<span class="more">… ({len(text) - limit} more chars)</span>'


#: Cluster sizes (records in a cluster: the kept one and those dropped in its place) per bin.
CLUSTER_BINS: tuple[tuple[int, int | None], ...] = (
    (2, 2),
    (3, 3),
    (4, 4),
    (5, 9),
    (10, 19),
    (20, 49),
    (50, 99),
    (100, None),
)
#: How many of the largest clusters are shown in full.
LARGEST_CLUSTERS = 5


def cluster_histogram(sizes: Iterable[int]) -> list[int]:
    """Clusters per :data:`CLUSTER_BINS` bin, from each cluster's dropped count."""
    counts = [0] * len(CLUSTER_BINS)
    for dropped in sizes:
        size = dropped + 1
        for i, (lo, hi) in enumerate(CLUSTER_BINS):
            if size >= lo and (hi is None or size <= hi):
                counts[i] += 1
                break
    return counts


def _clusters(observer: RunObserver) -> str:
    if not observer.cluster_sizes:
        return ""
    counts = cluster_histogram(observer.cluster_sizes.values())
    labels = [
        f"{lo}" if lo == hi else f"{lo}+" if hi is None else f"{lo}–{hi}" for lo, hi in CLUSTER_BINS
    ]
    svg = bars_svg(
        labels,
        [("clusters", DROP_COLOR, counts)],
        "records per cluster",
        "duplicate cluster sizes",
        width=520,
    )
    cells = "".join(
        f'<td class="n" data-cluster-bin="{e(label)}">{count}</td>'
        for label, count in zip(labels, counts, strict=True)
    )
    table = (
        f'<table class="grid small"><thead><tr><th>size</th>'
        f"{''.join(f'<th class=n>{e(x)}</th>' for x in labels)}</tr></thead><tbody><tr>"
        f'<th scope="row">clusters</th>{cells}</tr></tbody></table>'
    )
    largest = sorted(observer.clusters.values(), key=lambda c: (-c.size, c.kept_id))
    blocks = "".join(_cluster(c) for c in largest[:LARGEST_CLUSTERS])
    return (
        f'<section id="duplicates"><h2>Duplicate clusters</h2><p class="hint">'
        f'<span data-metric="duplicate-clusters">{len(observer.cluster_sizes)}</span> clusters;'
        f" {observer.duplicates_dropped} records dropped as duplicates of the one kept in "
        f"each. Sizes count the kept record too.</p>{svg}{table}<h3>Largest clusters</h3>"
        f"{blocks}</section>"
    )


def _distributions(before: DatasetStats, after: DatasetStats) -> str:
    if not before.records and not after.records:
        return ""
    turn_labels = [
        f"{lo}" if hi is not None and hi - lo == 1 else f"{lo}+" if hi is None else f"{lo}–{hi - 1}"
        for lo, hi, _ in before.pairs.histogram(TURN_EDGES)
    ]
    turns = bars_svg(
        turn_labels,
        [
            ("before", BEFORE_COLOR, [c for *_, c in before.pairs.histogram(TURN_EDGES)]),
            ("after", AFTER_COLOR, [c for *_, c in after.pairs.histogram(TURN_EDGES)]),
        ],
        "turns ((user, assistant) pairs) per record",
        "turns per record",
    )
    b_tok = [c for *_, c in before.tokens.histogram()]
    a_tok = [c for *_, c in after.tokens.histogram()]
    used = [i for i in range(len(LENGTH_EDGES)) if b_tok[i] or a_tok[i]] or [0]
    bins = range(used[0], used[-1] + 1)
    tokens = bars_svg(
        [_bin_label(i) for i in bins],
        [
            ("before", BEFORE_COLOR, [b_tok[i] for i in bins]),
            ("after", AFTER_COLOR, [a_tok[i] for i in bins]),
        ],
        "estimated tokens per record (UTF-8 bytes / 4)",
        "tokens per record",
    )
    rows = "".join(
        f'<tr><th scope="row">{what} {stage}</th>'
        + "".join(
            f'<td class="n" data-dist="{what}" data-stage="{stage}" data-stat="{k}">'
            f"{dist.percentiles().get(k, 0)}</td>"
            for k in _STATS
        )
        + "</tr>"
        for what, pair in (
            ("turns", (before.pairs, after.pairs)),
            ("tokens", (before.tokens, after.tokens)),
        )
        for stage, dist in zip(("before", "after"), pair, strict=True)
    )
    table = (
        f'<table class="grid small"><thead><tr><th></th>'
        f"{''.join(f'<th class=n>{k}</th>' for k in _STATS)}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    legend = _legend([(BEFORE_COLOR, "before"), (AFTER_COLOR, "after (kept)")])
    return (
        f'<section id="distributions"><h2>Turns and tokens per record</h2>{legend}'
        f'<div class="roles"><div class="rolebox"><h3>turns</h3>{turns}</div>'
        f'<div class="rolebox"><h3>tokens</h3>{tokens}</div></div>{table}</section>'
    )


def _conflicts(observer: RunObserver) -> str:
    if not observer.conflicts:
        return ""
    blocks = []
    for sample in sorted(observer.conflicts.values(), key=lambda c: (-c.size, c.number)):
        prompt = sample.prompt
        items = "".join(
            f'<li><b>{e(m["persona"])}</b> <span class="hint">{e(m["id"])}'
            f'{" — dropped" if m["dropped"] else ""}</span><pre class="text">'
            f"{_cut(m['answer'], 400)}</pre></li>"
            for m in sample.members
        )
        blocks.append(
            f'<details class="group"><summary><code>{e(sample.scope)}</code> '
            f'{_cut(prompt, 120)} <span class="hint">— {sample.size} answers</span></summary>'
            f"<ul>{items}</ul></details>"
        )
    seen = len(observer.conflicts_seen)
    return (
        f'<section id="conflicts"><h2>Conflicting answers</h2><p class="hint">'
        f'<span data-metric="conflict-clusters">{seen}</span> near-duplicate prompts whose '
        f"answers disagree (<code>within</code> one persona, <code>across</code> personas, "
        f"or both); {len(observer.conflicts)} shown.</p>{''.join(blocks)}</section>"
    )


def _cluster(cluster: DuplicateCluster) -> str:
    kept = (
        f'<pre class="text">{_cut(cluster.kept_text, 600)}</pre>'
        if cluster.kept_text is not None
        else '<p class="hint">(text not seen)</p>'
    )
    members = "".join(
        f"<li><b>{e(m.id or '?')}</b> <code>{e(m.reason)}</code>"
        f"{f' jaccard {m.jaccard:.2f}' if m.jaccard is not None else ''}"
        f'<pre class="text">{_cut(m.text, 300)}</pre></li>'
        for m in cluster.members
    )
    more = cluster.size - len(cluster.members)
    return (
        f'<details class="group cluster"><summary>kept <b>{e(cluster.kept_id)}</b> — '
        f'<span data-cluster="{e(cluster.kept_id)}">{cluster.size}</span> dropped</summary>'
        f'<div class="kept"><span class="role">kept</span>{kept}</div><ul>{members}</ul>'
        f"{f'<p class=hint>and {more} more</p>' if more > 0 else ''}</details>"
    )


_TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str, limit: int = MAX_TEXT) -> tuple[str, str]:
    """Both texts as escaped HTML, with removed words in ``<del>`` and added words in ``<ins>``."""
    a, b = _TOKEN.findall(old[:limit]), _TOKEN.findall(new[:limit])
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = e("".join(a[i1:i2])), e("".join(b[j1:j2]))
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f"<del>{removed}</del>")
        if added:
            right.append(f"<ins>{added}</ins>")
    tails = [_more(old, limit), _more(new, limit)]
    return "".join(left) + tails[0], "".join(right) + tails[1]


def _more(text: str, limit: int) -> str:
    extra = len(text) - limit
    return f'<span class="more">… ({extra} more chars)</span>' if extra > 0 else ""


def _rewrites(observer: RunObserver) -> str:
    if not observer.rewrites:
        return ""
    items = "".join(_rewrite(before, after) for before, after in observer.rewrites)
    least = "at least " if observer.untracked else ""
    return (
        f'<section id="rewrites"><h2>What the steps changed</h2><p class="hint">'
        f'{least}<span data-metric="rewritten">{observer.rewritten}</span> kept records differ '
        f"from their input; {len(observer.rewrites)} shown, changed messages only "
        f"(<del>removed</del> <ins>added</ins>).</p>{items}</section>"
    )


def _rewrite(before: Conversation, after: Conversation) -> str:
    rows = []
    old: list[Message | None] = list(before.messages)
    new: list[Message | None] = list(after.messages)
    width = max(len(old), len(new))
    old += [None] * (width - len(old))
    new += [None] * (width - len(new))
    for m_old, m_new in zip(old, new, strict=True):
        if m_old is not None and m_new is not None and m_old.content == m_new.content:
            continue
        role = (m_new or m_old).role  # type: ignore[union-attr]
        left, right = word_diff(m_old.text if m_old else "", m_new.text if m_new else "")
        rows.append(
            f'<div class="msg {e(role)}"><span class="role">{e(role)}</span>'
            f'<div class="side"><pre class="text">{left}</pre>'
            f'<pre class="text revised">{right}</pre></div></div>'
        )
    return f'<div class="item"><div class="meta"><b>{e(after.id)}</b></div>{"".join(rows)}</div>'


def _reflections(observer: RunObserver) -> str:
    if not observer.reflections:
        return ""
    items = "".join(_reflection(s) for s in observer.reflections)
    return (
        f'<section id="reflect"><h2>Reflect: original vs revised</h2><p class="hint">'
        f"{len(observer.reflections)} of {observer.reflections_seen} answers.</p>{items}"
        f"</section>"
    )


def _reflection(sample: ReflectSample) -> str:
    prompt = (
        f'<div class="msg user"><span class="role">user</span><pre class="text">'
        f"{_cut(sample.prompt, 800)}</pre></div>"
        if sample.prompt
        else ""
    )
    verdict = f" <code>{e(sample.verdict)}</code>" if sample.verdict else ""
    original, revised = word_diff(sample.original, sample.revised)
    return (
        f'<div class="item"><div class="meta"><b>{e(sample.id or "")}</b>{verdict}</div>'
        f'{prompt}<div class="side"><div class="col"><h4>original</h4><pre class="text">'
        f'{original}</pre></div><div class="col revised"><h4>revised</h4>'
        f'<pre class="text">{revised}</pre></div></div>'
        f'<div class="critique"><h4>critique</h4><pre class="text">{_cut(sample.critique)}'
        f"</pre></div></div>"
    )


#: Groups shown in the per-group table (the largest first; report.json has all of them).
MAX_GROUPS = 25

_GROUP_RATES = (
    ("ai_self_reference", "AI self-ref (dropped)"),
    ("claims_ai", "says AI"),
    ("claims_human", "claims human"),
    ("invented_experience", "invents a past"),
    ("empty_user", "empty question"),
    ("emoji", "emoji"),
    ("evasive", "evasive"),
)


def _groups(report: Report) -> str:
    data = report.groups
    if not data or not data.get("groups"):
        return ""
    by = data.get("by", "group")
    heads = ["records", "kept", "rejected", *[label for _, label in _GROUP_RATES], "answer p50"]
    with_conflicts = any(g.get("conflicts") for g in data["groups"])
    if with_conflicts:
        heads.append("in conflicts")
    rows = []
    shown = data["groups"][:MAX_GROUPS]
    for g in shown:
        key = e(g["key"])
        rates = g.get("rates", {})
        cells = [
            ("records", g.get("records", 0)),
            ("kept", g.get("kept", "")),
            ("rejected", g.get("rejected", "")),
        ]
        cells += [(m, f"{100 * rates.get(m, 0):.1f}%") for m, _ in _GROUP_RATES]
        cells += [("answer_p50", g.get("assistant_chars", {}).get("p50", 0))]
        if with_conflicts:
            cells += [("conflicts", g.get("conflicts", 0))]
        tds = "".join(
            f'<td class="n" data-group="{key}" data-gfield="{k}">{v}</td>' for k, v in cells
        )
        reasons = ", ".join(f"{k}={v}" for k, v in (g.get("top_reasons") or {}).items())
        topics = ", ".join(f"{k}={v}" for k, v in (g.get("topics") or {}).items())
        flag = (
            '<span class="flag" title="says it is an AI and a human">AI + human</span>'
            if g.get("inconsistent_persona")
            else ""
        )
        samples = "".join(
            f'<div class="msg user"><span class="role">user</span><pre class="text">'
            f'{_cut(x.get("user", ""), 300)}</pre></div><div class="msg assistant"><span '
            f'class="role">assistant</span><pre class="text">{_cut(x.get("assistant", ""), 300)}'
            f"</pre></div>"
            for x in g.get("samples") or []
        )
        notes = " · ".join(
            x for x in (reasons and f"rejected: {reasons}", topics and f"topics: {topics}") if x
        )
        rows.append(
            f'<tr class="head"><th scope="row">{key} {flag}</th>{tds}</tr>'
            f'<tr class="sub"><td colspan="{len(heads) + 1}"><details><summary '
            f'class="hint">{e(notes) or "samples"}</summary>{samples}</details></td></tr>'
        )
    more = len(data["groups"]) - len(shown)
    if more > 0:
        rows.append(
            f'<tr><td colspan="{len(heads) + 1}" class="hint">and {more} smaller '
            f"groups (all of them are in report.json under <code>groups</code>)</td></tr>"
        )
    head = "".join(f"<th class=n>{h}</th>" for h in heads)
    return (
        f'<section id="groups"><h2>Per {e(by)}</h2><p class="hint">Records of each {e(by)}'
        f" (named in the system prompt, else the source file), what the run kept and "
        f"rejected, and the share of records with each mark (the cleaning rules' own "
        f"checks). <b>AI + human</b>: a persona that says it is an AI in some answers and "
        f'a human in others.</p><div class="scroll"><table class="grid small"><thead><tr>'
        f"<th>{e(by)}</th>{head}</tr></thead><tbody>"
        f"{''.join(rows)}</tbody></table></div></section>"
    )


def _provenance(report: Report) -> str:
    prov = report.provenance
    if not prov:
        return ""
    facts = "".join(
        f'<tr><th scope="row">{e(k)}</th><td id="provenance-{e(k)}"><code>{e(prov.get(k, ""))}'
        f"</code></td></tr>"
        for k in ("version", "command", "started", "finished", "python", "platform")
    )
    inputs = "".join(
        f'<tr><td><code>{e(i.get("path"))}</code></td><td class="n">{e(i.get("bytes"))}</td>'
        f'<td><code data-sha256="{e(i.get("path"))}">{e(i.get("sha256"))}</code></td></tr>'
        for i in prov.get("inputs") or []
    )
    recipe = prov.get("recipe") or ""
    return (
        f'<section id="provenance"><h2>Where these numbers came from</h2>'
        f'<table class="grid small"><tbody>{facts}</tbody></table>'
        f'<table class="grid small"><thead><tr><th>input</th><th class="n">bytes</th>'
        f"<th>sha256</th></tr></thead><tbody>{inputs}</tbody></table>"
        f'<details class="group"><summary>recipe that ran</summary>'
        f'<pre class="text" id="recipe">{e(recipe)}</pre></details></section>'
    )


def _legend(items: list[tuple[str, str]]) -> str:
    return (
        '<div class="legend">'
        + "".join(f'<span><i style="background:{c}"></i>{e(t)}</span>' for c, t in items)
        + "</div>"
    )


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


_CSS = """
:root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--teal:#0f766e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
header{background:#0f172a;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:20px}
header .hint{color:#cbd5e1}
main{max-width:1100px;margin:0 auto;padding:8px 32px 48px}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;
margin:18px 0}
h2{font-size:17px;margin:0 0 8px}
h3{font-size:14px;margin:4px 0;text-transform:capitalize}
h4{margin:0 0 4px;font-size:12px;text-transform:uppercase;color:var(--muted)}
.hint{color:var(--muted);font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 140px;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.card .label{color:var(--muted);text-transform:uppercase;font-size:11px;letter-spacing:.05em}
.card .num{font-size:26px;font-weight:600}
table.grid{border-collapse:collapse;width:100%;margin-top:10px}
table.grid th,table.grid td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left}
table.grid thead th{font-size:12px;color:var(--muted);font-weight:600}
table.grid th.n{text-align:right}
table.grid td.n{text-align:right;font-variant-numeric:tabular-nums}
table.small{font-size:12px}
.barcell{width:35%}
.bar{height:12px;background:#dc2626;border-radius:2px;opacity:.8}
svg.chart{max-width:100%;height:auto;display:block}
svg .lbl{font-size:12px;fill:#0f172a}
svg .val{font-size:12px;fill:#334155}
svg .tick{font-size:10px;fill:#64748b}
svg .axis{stroke:#94a3b8;stroke-width:1}
.legend{display:flex;gap:16px;font-size:12px;color:var(--muted);margin:4px 0 8px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px}
.roles{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:16px}
.rolebox{border:1px solid var(--line);border-radius:8px;padding:8px 10px}
details.group{border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:6px 10px}
details.group summary{cursor:pointer}
.item{border-top:1px dashed var(--line);padding:8px 0}
.meta{font-size:12px;margin-bottom:4px}
.msg{display:flex;gap:8px;margin:2px 0}
.role{flex:0 0 70px;font-size:11px;text-transform:uppercase;color:var(--muted);padding-top:3px}
.msg.user .role{color:#1d4ed8}.msg.assistant .role{color:#0f766e}.msg.system .role{color:#a16207}
pre.text{margin:0;white-space:pre-wrap;word-break:break-word;font:12.5px/1.4 ui-monospace,
SFMono-Regular,Menlo,Consolas,monospace;background:#f1f5f9;border-radius:6px;padding:6px 8px;
flex:1}
.more{color:var(--muted)}
.side{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:6px 0}
.col.revised pre.text,pre.text.revised{background:#ecfdf5}
del{background:#fecaca;text-decoration:line-through;text-decoration-color:#b91c1c}
ins{background:#bbf7d0;text-decoration:none}
.msg .side{flex:1;margin:0}
.critique pre.text{background:#fffbeb}
.kept{display:flex;gap:8px;margin:6px 0}
.cluster ul{margin:4px 0;padding-left:18px}
.flag{background:#fee2e2;color:#991b1b;border-radius:4px;padding:0 4px;font-size:11px}
.scroll{overflow-x:auto}
table.grid tr.head th,table.grid tr.head td{border-bottom:none;padding-bottom:0}
table.grid tr.sub td{padding-top:0;font-size:11px}
code{background:#f1f5f9;border-radius:4px;padding:0 4px;font-size:12px}
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header><h1>{title}</h1><div class="hint">made by selfreflect · {created}</div></header>
<main>
{body}
</main>
</body>
</html>
"""

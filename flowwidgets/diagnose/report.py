"""The report: ordered findings plus the context they were checked in, as text, HTML or JSON."""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from flowwidgets.diagnose.findings import Finding, Severity

#: Context keys in the order they are rendered; other keys follow in insertion order.
CONTEXT_ORDER = ("host", "region", "organization", "flow", "flow_id", "version", "execution_id")

MASK = "<masked>"

# Evidence keys whose values are what the person sent as inputs or got back as outputs.
_VALUE_KEYS = frozenset(
    {"value", "values", "sent", "input_data", "inputs", "output_data", "misplaced"}
)

# Evidence keys holding API queries (criteria, filters, intervals). Their "value" entries are
# flow ids and times, not inputs, so masking does not look inside them.
_QUERY_KEYS = frozenset({"query", "filter"})

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+(?!<)[A-Za-z0-9._~+/=-]{8,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
# Long opaque strings. UUIDs (flow and execution ids) are kept because follow-up needs them.
_OPAQUE = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

_SEVERITY_HEADINGS = {
    Severity.ERROR: "Errors",
    Severity.WARNING: "Warnings",
    Severity.INFO: "Notes",
}


@dataclass
class Report:
    """Findings about one launch, in the order they were found, and the context that was checked.

    Parameters
    ----------
    context
        What was checked: ``host``, ``region``, ``organization``, ``flow``, ``version``,
        ``execution_id``, ...
    findings
        The findings, in the order the checks produced them.
    """

    context: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        """Codes of the findings, in order, with repeats."""
        return [finding.code for finding in self.findings]

    @property
    def has_errors(self) -> bool:
        """Whether any finding is an error."""
        return any(finding.severity is Severity.ERROR for finding in self.findings)

    def by_code(self, code: str) -> list[Finding]:
        """Return the findings with this code."""
        return [finding for finding in self.findings if finding.code == code]

    def extend(self, findings: Iterable[Finding]) -> None:
        """Append findings, skipping exact repeats of findings already in the report."""
        for finding in findings:
            if finding not in self.findings:
                self.findings.append(finding)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"context": {...}, "findings": [...]}``, JSON-ready."""
        return {
            "context": _jsonable(self._ordered_context()),
            "findings": [_jsonable(finding.to_dict()) for finding in self.findings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Render the report as JSON: ``{"context": {...}, "findings": [...]}``."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self, width: int = 88) -> str:
        """Render the report for a terminal: context, then findings by severity, with fixes."""
        lines = ["flowwidgets doctor report"]
        for key, value in self._ordered_context().items():
            lines.append(f"  {key}: {value}")
        lines.append("")

        if not self.findings:
            lines.append("No findings.")
        for severity, group in self._grouped():
            lines.append(f"{_SEVERITY_HEADINGS[severity]} ({len(group)})")
            for finding in group:
                lines.append(f"  [{finding.code}] {finding.title}")
                lines.extend(_wrap(finding.detail, width, "      "))
                if finding.fix:
                    lines.extend(_wrap("Fix: " + finding.fix, width, "      "))
            lines.append("")

        lines.append(self._summary())
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """Render the report as a self-contained, escaped HTML fragment with inline styles."""
        esc = html.escape
        parts = [
            '<div class="flowwidgets-report" style="font-family: sans-serif; line-height: 1.4">'
        ]
        parts.append('<h3 style="margin: 0 0 0.5em 0">flowwidgets doctor report</h3>')
        if self.context:
            parts.append('<table style="border-collapse: collapse; margin-bottom: 0.5em">')
            for key, value in self._ordered_context().items():
                parts.append(
                    f'<tr><th style="text-align: left; padding-right: 1em">{esc(str(key))}</th>'
                    f"<td><code>{esc(str(value))}</code></td></tr>"
                )
            parts.append("</table>")

        colours = {Severity.ERROR: "#b00020", Severity.WARNING: "#9a6700", Severity.INFO: "#0b5cad"}
        for severity, group in self._grouped():
            colour = colours[severity]
            parts.append(
                f'<h4 style="color: {colour}; margin: 0.8em 0 0.3em 0">'
                f"{_SEVERITY_HEADINGS[severity]} ({len(group)})</h4><ul>"
            )
            for finding in group:
                parts.append(
                    f'<li data-code="{esc(finding.code)}" style="margin-bottom: 0.5em">'
                    f'<code style="color: {colour}">{esc(finding.code)}</code> '
                    f"<strong>{esc(finding.title)}</strong><div>{esc(finding.detail)}</div>"
                )
                if finding.fix:
                    parts.append(f"<div><em>Fix:</em> {esc(finding.fix)}</div>")
                parts.append("</li>")
            parts.append("</ul>")

        parts.append(f"<p>{esc(self._summary())}</p></div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def masked(self) -> Report:
        """Return a copy with input values, e-mail addresses and tokens replaced by ``<masked>``."""
        secrets = _collect_values(finding.evidence for finding in self.findings)
        findings = [
            replace(
                finding,
                title=_mask_text(finding.title, secrets),
                detail=_mask_text(finding.detail, secrets),
                fix=_mask_text(finding.fix, secrets),
                evidence=_mask_evidence(finding.evidence, secrets),
            )
            for finding in self.findings
        ]
        return Report(context=_mask_evidence(self.context, secrets), findings=findings)

    def _ordered_context(self) -> dict[str, Any]:
        ordered = {
            key: self.context[key] for key in CONTEXT_ORDER if self.context.get(key) is not None
        }
        for key, value in self.context.items():
            if key not in ordered and value is not None:
                ordered[key] = value
        return ordered

    def _grouped(self) -> list[tuple[Severity, list[Finding]]]:
        groups = []
        for severity in Severity:
            group = [finding for finding in self.findings if finding.severity is severity]
            if group:
                groups.append((severity, group))
        return groups

    def _summary(self) -> str:
        counts = dict.fromkeys(Severity, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return (
            f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s), "
            f"{counts[Severity.INFO]} note(s)."
        )

    def __str__(self) -> str:
        return self.to_text()


def _wrap(text: str, width: int, indent: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        if not paragraph:
            continue
        lines.extend(
            textwrap.wrap(
                paragraph,
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON so that only JSON types remain (datetimes become ISO strings)."""
    return json.loads(json.dumps(value, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _collect_values(evidences: Iterable[dict[str, Any]]) -> set[str]:
    values: set[str] = set()

    def leaves(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                leaves(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                leaves(item)
        elif isinstance(value, str) and len(value) >= 3 and not _UUID.match(value):
            values.add(value)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _QUERY_KEYS:
                    continue
                if key in _VALUE_KEYS:
                    leaves(item)
                else:
                    walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    for evidence in evidences:
        walk(evidence)
    return values


def _mask_text(text: str, secrets: set[str]) -> str:
    # Longest first, so that a value containing another value is replaced whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _BEARER.sub(lambda match: f"{match.group(1)} {MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _EMAIL.sub(MASK, text)
    return _OPAQUE.sub(lambda match: match.group(0) if _UUID.match(match.group(0)) else MASK, text)


def _mask_evidence(value: Any, secrets: set[str], *, inside_values: bool = False) -> Any:
    if isinstance(value, dict):
        return {
            key: _mask_evidence(item, secrets, inside_values=inside_values or key in _VALUE_KEYS)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mask_evidence(item, secrets, inside_values=inside_values) for item in value]
    if isinstance(value, str):
        if inside_values and not _UUID.match(value):
            return MASK
        return _mask_text(value, secrets)
    if inside_values and isinstance(value, (int, float)) and not isinstance(value, bool):
        return MASK
    return value

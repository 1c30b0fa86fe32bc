"""Read what a person sent and got back: a JSON body, an HTTP message, or a curl command line."""

from __future__ import annotations

import codecs
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from flowwidgets.diagnose.findings import Finding, Severity, make_finding
from flowwidgets.diagnose.routes import LAUNCH_PATH, TOKEN_PATH

#: Maximum number of characters of a request or response the doctor reads.
MAX_TEXT_CHARS = 1_000_000

_REQUEST_LINE = re.compile(r"^([A-Za-z]+)\s+(\S+)(?:\s+(HTTP/\d(?:\.\d)?))?\s*$")
_STATUS_LINE = re.compile(r"^(HTTP/\d(?:\.\d)?)\s+(\d{3})(?:\s+(.*))?$")
_HEADER_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$")
_NO_BODY = object()
# A curl command in a shell line: at the start, after an operator or in "$(...)".
_CURL_WORD = re.compile(r"(?:^|[\s;|&(])curl(?:\.exe)?(?=\s|$)", re.MULTILINE)
# Shell control operators end a command; a newline is one too.
_SHELL_OPERATORS = "();<>|&\n"


@dataclass
class ObservedRequest:
    """A request as the person sent it: a JSON body, an HTTP message or a curl command line.

    ``body`` is the parsed JSON (any JSON value) or ``None`` when the body is missing or not JSON;
    ``body_error`` then gives the reason. ``findings`` contains problems met while reading, such as
    ``@file`` data.
    """

    source: str  # "json", "http", "curl" or "text"
    method: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body_text: str | None = None
    body: Any = None
    body_error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    #: Host of a token request (``/oauth/token``) sent earlier in the same script, if any.
    token_host: str | None = None

    @property
    def host(self) -> str | None:
        """Host name of the URL, lower-case and without the port."""
        parts = _split_url(self.url)
        host = parts.hostname if parts else None
        return host.lower() if host else None

    @property
    def path(self) -> str | None:
        """Path of the URL without query string, or ``None`` when no URL was given."""
        parts = _split_url(self.url)
        return (parts.path or "/") if parts else None

    @property
    def url_is_valid(self) -> bool:
        """Whether the URL, when there is one, can be split into host and path."""
        return self.url is None or _split_url(self.url) is not None

    def header(self, name: str) -> str | None:
        """Return a header value by case-insensitive name."""
        return self.headers.get(name.lower())

    @property
    def has_json_body(self) -> bool:
        """Whether the body was read and parsed as JSON."""
        return self.body_text is not None and self.body_error is None


def _split_url(url: str | None) -> SplitResult | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading the port validates it
    except ValueError:
        return None
    return parts


@dataclass
class ObservedResponse:
    """A response as the person saw it: status line, headers and body, each possibly absent."""

    status: int | None = None
    reason: str | None = None
    http_version: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body_text: str | None = None
    body: Any = None
    body_error: str | None = None
    findings: list[Finding] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """Return a header value by case-insensitive name."""
        return self.headers.get(name.lower())


def decode_input(data: str | bytes, what: str) -> tuple[str | None, list[Finding]]:
    """Decode and cap a request or response; binary data gives a finding instead of text."""
    code = f"{what}.unreadable"
    findings: list[Finding] = []
    if isinstance(data, bytes):
        utf16 = _decode_utf16(data)
        if utf16 is not None:
            return decode_input(utf16, what)
        if b"\x00" in data[:MAX_TEXT_CHARS]:
            return None, [
                _unreadable(code, "it contains NUL bytes, so it is binary data, not an HTTP text")
            ]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            # A file read up to a byte limit may end inside a multi-byte character.
            if error.start < len(data) - 3 or len(data) <= MAX_TEXT_CHARS:
                return None, [
                    _unreadable(
                        code, f"it is not UTF-8 text ({error.reason} at byte {error.start})"
                    )
                ]
            text = data[: error.start].decode("utf-8-sig")
    else:
        text = data.removeprefix("\ufeff")
        if "\x00" in text[:MAX_TEXT_CHARS]:
            return None, [
                _unreadable(
                    code, "it contains NUL characters, so it is binary data, not an HTTP text"
                )
            ]

    if len(text) > MAX_TEXT_CHARS:
        findings.append(
            make_finding(
                f"{what}.too-large",
                f"The {what} is longer than {MAX_TEXT_CHARS:,} characters, so only the first "
                f"{MAX_TEXT_CHARS:,} were read and a JSON body in it is probably cut.",
                f"Give the doctor only the exact {what} or its body, so that it fits the limit.",
                {"limit": MAX_TEXT_CHARS},
            )
        )
        text = text[:MAX_TEXT_CHARS]
    return text, findings


def _decode_utf16(data: bytes) -> str | None:
    """Decode text that starts with a UTF-16 byte order mark, as PowerShell's ``>`` writes it."""
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    # A file read up to a byte limit may end inside a character, so an odd last byte is dropped.
    usable = data[: len(data) - len(data) % 2]
    try:
        return usable.decode("utf-16")
    except UnicodeDecodeError:
        return None


def _unreadable(code: str, reason: str) -> Finding:
    return make_finding(
        code,
        f"The doctor could not read it: {reason}.",
        "Save the request or response as plain UTF-8 text: an HTTP message, a curl command line "
        "or the JSON body.",
        {"reason": reason},
    )


def parse_request(data: str | bytes) -> ObservedRequest:
    """Read a launch request from a JSON body, an HTTP message or a curl command line.

    Parameters
    ----------
    data
        The text, or raw bytes from a file. An HTTP message is a request line (``POST URL`` with
        ``HTTP/1.1`` or none), headers, a blank line and the body. A curl command line may use shell
        quoting and ``\\`` line continuations.

    Returns
    -------
    ObservedRequest
        What could be read; problems met while reading are in ``findings``, never raised.
    """
    text, findings = decode_input(data, "request")
    if text is None:
        return ObservedRequest(
            source="binary", body_error="the request could not be read", findings=findings
        )

    stripped = text.strip()
    first_line = stripped.split("\n", 1)[0].strip()
    if _REQUEST_LINE.match(first_line) and first_line.split()[0].isupper():
        observed = _parse_http_request(text)
    elif stripped[:1] not in '{["' and _CURL_WORD.search(stripped):
        observed = _parse_shell(stripped)
    else:
        observed = ObservedRequest(source="json" if stripped[:1] in '{["' else "text")
        _set_body(observed, text if stripped else None)
    observed.findings[:0] = findings
    return observed


def _set_body(target: ObservedRequest | ObservedResponse, text: str | None) -> None:
    target.body_text = text
    if text is None or not text.strip():
        target.body_text = None
        target.body_error = "there is no body"
        return
    try:
        target.body = json.loads(text)
    except json.JSONDecodeError as error:
        # Some messages already end in "at", e.g. "Unterminated string starting at".
        reason = error.msg.removesuffix(" at")
        target.body_error = (
            f"it is not valid JSON ({reason} at line {error.lineno} column {error.colno})"
        )


def _split_head(text: str) -> tuple[list[str], str | None]:
    """Split an HTTP message into head lines and body (``None`` when no blank line follows)."""
    normalized = text.replace("\r\n", "\n").lstrip("\n")
    head, separator, body = normalized.partition("\n\n")
    lines = head.split("\n")
    return lines, body if separator else None


def _read_headers(lines: list[str], headers: dict[str, str]) -> list[str]:
    """Read header lines into ``headers`` and return the lines that are not headers."""
    stray = []
    for line in lines:
        match = _HEADER_LINE.match(line.strip())
        if match:
            headers[match.group(1).lower()] = match.group(2).strip()
        elif line.strip():
            stray.append(line)
    return stray


def _parse_http_request(text: str) -> ObservedRequest:
    lines, body = _split_head(text)
    match = _REQUEST_LINE.match(lines[0].strip())
    assert match is not None  # parse_request only sends text whose first line is a request line
    observed = ObservedRequest(source="http", method=match.group(1).upper())
    stray = _read_headers(lines[1:], observed.headers)

    if body is None and stray:
        # No blank line: the lines after the headers are most likely the body.
        body = "\n".join(stray)

    target = match.group(2)
    if target.startswith(("http://", "https://")):
        observed.url = target
    else:
        host = observed.header("host")
        observed.url = f"https://{host}{target}" if host else target

    _set_body(observed, body)
    _check_content_length(observed)
    return observed


def _check_content_length(observed: ObservedRequest) -> None:
    declared = observed.header("content-length")
    if not declared or not declared.isdigit() or observed.body_text is None:
        return
    actual = len(observed.body_text.encode("utf-8").rstrip(b"\n"))
    if actual < int(declared) and observed.body_error:
        observed.body_error += (
            f"; the body is {actual} bytes but Content-Length says {declared}, so it is cut"
        )


def _parse_shell(text: str) -> ObservedRequest:
    """Read the curl commands of a command line or shell script and keep the one to check.

    The launch (POST to the launch route) is kept when there is one, else the last command with
    a URL. When the text has several curl commands, an info finding names the one checked.
    """
    joined = re.sub(r"\\\r?\n", " ", text)
    try:
        commands = _curl_commands(joined)
    except ValueError as error:
        observed = ObservedRequest(source="curl")
        observed.findings.append(
            _unreadable(
                "request.unreadable", f"the curl command line has broken shell quoting ({error})"
            )
        )
        observed.body_error = "the command line could not be split into words"
        return observed

    parsed = [_parse_curl(words) for words in commands]
    if len(parsed) == 1:
        return parsed[0]
    launches = [
        request
        for request in parsed
        if request.method == "POST" and (request.path or "").rstrip("/") == LAUNCH_PATH
    ]
    with_url = [request for request in parsed if request.url]
    chosen = launches[0] if launches else (with_url or parsed)[-1]
    position = parsed.index(chosen) + 1
    token_requests = [
        request
        for request in parsed[: position - 1]
        if (request.path or "").rstrip("/") == TOKEN_PATH and request.host
    ]
    if token_requests:
        chosen.token_host = token_requests[-1].host
    reason = (
        "it is the launch"
        if launches
        else "none of them is a launch, so the last command with a URL was taken"
    )
    chosen.findings.insert(
        0,
        make_finding(
            "request.several-commands",
            f"The text has {len(parsed)} curl commands; the doctor checked command {position}, "
            f"{chosen.method} {chosen.url}, because {reason}.",
            "To check another command, give the doctor that command alone.",
            {
                "commands": [f"{request.method} {request.url}" for request in parsed],
                "checked": position,
            },
        ),
    )
    return chosen


def _curl_commands(text: str) -> list[list[str]]:
    """Split shell text into the word lists of its curl commands, dropping comments and other ones.

    Raises
    ------
    ValueError
        If a quote is not closed.
    """
    lexer = shlex.shlex(text, posix=True, punctuation_chars=_SHELL_OPERATORS)
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    commands: list[list[str]] = []
    current: list[str] = []
    for token in lexer:
        # NOTE: a quoted word made only of operator characters, such as -d ';', is read as an
        # operator too, because shlex returns it without its quotes.
        if token and all(character in _SHELL_OPERATORS for character in token):
            if current:
                commands.append(current)
            current = []
        else:
            current.append(token)
    if current:
        commands.append(current)
    curl = [words for words in commands if re.fullmatch(r"curl(\.exe)?", words[0])]
    return curl or [["curl"]]


def _parse_curl(words: list[str]) -> ObservedRequest:
    observed = ObservedRequest(source="curl")
    data_parts: list[str] = []
    json_option = False
    index = 1
    while index < len(words):
        word = words[index]
        option, value, index = _curl_option(words, index)
        if option in {"-X", "--request"}:
            observed.method = (value or "").upper()
        elif option in {"-H", "--header"} and value:
            _read_headers([value], observed.headers)
        elif option in {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"}:
            json_option = json_option or option == "--json"
            data_parts.append(_curl_data(observed, option, value or ""))
        elif option == "--url" or (option is None and not word.startswith("-")):
            observed.url = value if option else word
        elif option in {"-u", "--user"}:
            observed.headers.setdefault("authorization", "Basic <from -u>")

    if json_option:
        observed.headers.setdefault("content-type", "application/json")
    elif data_parts:
        # curl's default Content-Type for -d data.
        observed.headers.setdefault("content-type", "application/x-www-form-urlencoded")
    if observed.method is None:
        observed.method = "POST" if data_parts else "GET"
    if observed.url and "://" not in observed.url:
        observed.url = "https://" + observed.url

    known_parts = [part for part in data_parts if part is not _NO_BODY]
    if data_parts and len(known_parts) < len(data_parts):
        observed.body_error = "curl reads the body from a file the doctor was not given"
    else:
        _set_body(observed, "&".join(known_parts) if known_parts else None)
    return observed


# curl options that take a value; all other options are flags.
_CURL_VALUE_OPTIONS = frozenset(
    {
        "-X",
        "--request",
        "-H",
        "--header",
        "-d",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-ascii",
        "--json",
        "--url",
        "-u",
        "--user",
        "-o",
        "--output",
        "-A",
        "--user-agent",
        "-b",
        "--cookie",
        "-c",
        "--cookie-jar",
        "-m",
        "--max-time",
        "--connect-timeout",
        "-w",
        "--write-out",
        "-e",
        "--referer",
        "--cacert",
        "--cert",
        "--key",
        "-x",
        "--proxy",
        "--resolve",
        "--retry",
        "--data-urlencode",
    }
)


def _curl_option(words: list[str], index: int) -> tuple[str | None, str | None, int]:
    """Return (option, value, next index) for the word at ``index``; plain words have no option."""
    word = words[index]
    if not word.startswith("-") or word == "-":
        return None, word, index + 1
    if word.startswith("--"):
        name, equals, inline = word.partition("=")
        if name in _CURL_VALUE_OPTIONS:
            if equals:
                return name, inline, index + 1
            return name, words[index + 1] if index + 1 < len(words) else None, index + 2
        return name, None, index + 1
    short = word[:2]
    if short in _CURL_VALUE_OPTIONS:
        if len(word) > 2:
            return short, word[2:], index + 1
        return short, words[index + 1] if index + 1 < len(words) else None, index + 2
    return short, None, index + 1


def _curl_data(observed: ObservedRequest, option: str, value: str) -> Any:
    if value.startswith("@") and option != "--data-raw":
        observed.findings.append(
            make_finding(
                "request.body-from-file",
                f"The command sends the body with {option} {value}, so curl reads it from the file "
                f"{value[1:]!r}; the doctor has only the command line, not the file.",
                f"Pass the JSON body file {value[1:]!r} itself with --request, or put the JSON "
                "body in the command instead of @file.",
                {"option": option, "file": value[1:]},
            )
        )
        return _NO_BODY
    return value


def parse_response(data: str | bytes) -> ObservedResponse:
    """Read an observed response: status line (``HTTP/2 202``, ``HTTP/1.1 200 OK``), headers, body.

    A bare JSON body is accepted too; the status is then unknown. Problems are returned in
    ``findings``, never raised.
    """
    text, findings = decode_input(data, "response")
    observed = ObservedResponse(findings=findings)
    if text is None:
        return observed

    if not text.strip():
        observed.findings.append(_unreadable("response.unreadable", "it is empty"))
        return observed
    lines, body = _split_head(text)
    match = _STATUS_LINE.match(lines[0].strip())
    if match is None:
        if text.strip()[:1] in "{[":
            _set_body(observed, text)
            return observed
        observed.findings.append(
            _unreadable(
                "response.unreadable",
                f"its first line {lines[0].strip()[:80]!r} is not a status line such as 'HTTP/1.1 "
                "200 OK'",
            )
        )
        return observed

    observed.http_version = match.group(1)
    observed.status = int(match.group(2))
    observed.reason = (match.group(3) or "").strip() or None
    stray = _read_headers(lines[1:], observed.headers)
    if body is None and stray:
        body = "\n".join(stray)
    _set_body(observed, body)
    if observed.body_error == "there is no body":
        observed.body_error = None
        observed.body_text = None
    return observed


__all__ = [
    "MAX_TEXT_CHARS",
    "ObservedRequest",
    "ObservedResponse",
    "Severity",
    "parse_request",
    "parse_response",
]

"""Funding-call facts and event dates from German and English announcements.

Rules, no model: dates are found in every common written form, ranges are joined, and each date
is weighed by the words around it (a deadline keyword, an event keyword, a registration deadline,
a programme period ...). Year-less dates ("bis zum 15.01.") are resolved against the publication
date: the next occurrence on or after it.

>>> extract_funding("Antragsfrist: 31. März 2025", "Förderaufruf", None, "de").deadline
datetime.date(2025, 3, 31)
>>> extract_event("Die Tagung findet vom 3. bis 5. November 2025 in Kiel statt.", "", None, "de")
EventInfo(start=datetime.date(2025, 11, 3), end=datetime.date(2025, 11, 5), place='Kiel', \
online=False, organiser=None)
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache, lru_cache
from importlib import resources

from kb.dates import DateMention, find_mentions, find_times, resolve, weekdays
from kb.language import ENGLISH_WORDS, GERMAN_WORDS
from kb.patterns import Gate, lowered

__all__ = ["EventInfo", "FundingCall", "extract_event", "extract_funding"]


@dataclass(frozen=True)
class FundingCall:
    programme: str | None
    """Name of the funding programme or call."""
    funder: str | None
    """Who funds ("Bundesministerium für Bildung und Forschung", "European Commission" ...)."""
    eligible: str | None
    """Who may apply, a short phrase as written."""
    amount: str | None
    """The amount as written ("bis zu 50.000 Euro", "€2.5 million")."""
    deadline: date | None
    """The application deadline; of several stages the earliest upcoming one; the end of an
    application window ("Bewerbungen vom 15. März bis 30. April")."""
    rolling: bool = False
    """Applications are taken at any time ("laufend", "rolling basis"): open without a date.
    Only when the text gives no dated deadline."""


@dataclass(frozen=True)
class EventInfo:
    start: date | None
    end: date | None
    """Same as ``start`` for one-day events."""
    place: str | None
    """City or venue as written, or ``"online"``."""
    online: bool
    organiser: str | None
    start_time: time | None = None
    """Local time (Europe/Berlin unless the text says otherwise) where the text gives one."""
    end_time: time | None = None


def _reference(published: date | None, mentions: Sequence[DateMention]) -> date | None:
    """The publication date, else 1 January of the first year the text writes out."""
    if published is not None:
        return published
    years = [m.first.year for m in mentions if m.first.year is not None]
    years += [m.last.year for m in mentions if m.last is not None and m.last.year is not None]
    return date(years[0], 1, 1) if years else None


# --- context around each date ----------------------------------------------------------------

# Each expression below that opens with a look at the first character (``(?=[…])``) names the
# characters every match starts with: the engine passes over the others in one step, rather than
# trying every alternative at every character (a quarter of the time).
_BOUNDARY = re.compile(r"(?=[.!?\n;|])(?:[.!?](?=\s+[A-ZÄÖÜ„\"§(])|\n|;|\|)")


SENTENCE_CHARS = 600  # characters of a date's sentence read on either side of it


@dataclass(frozen=True)
class _Context:
    mention: DateMention
    start: date
    end: date
    before: str  # lower-cased text from the clause start (or the previous date) to the date
    after: str  # lower-cased text from the date to the clause end (or the next date)
    sentence: str  # the lower-cased sentence around the date, other dates masked
    sentence_end: int


@lru_cache(maxsize=4)  # a funding call's text is read for its contexts and its eligibility
def _dated(text: str) -> tuple[tuple[DateMention, ...], str]:
    """The dates of ``text``, and the text with each date masked by "§" (one per character)."""
    mentions = find_mentions(text)
    pieces: list[str] = []
    done = 0
    for mention in mentions:
        pieces += (text[done : mention.start], "§" * (mention.end - mention.start))
        done = mention.end
    pieces.append(text[done:])
    return tuple(mentions), "".join(pieces)


def _contexts(text: str, reference: date | None) -> list[_Context]:
    mentions, masked_text = _dated(text)
    reference = _reference(reference, mentions)
    masked = masked_text.lower()
    bounds = [m.end() for m in _BOUNDARY.finditer(masked_text)]
    contexts = []
    for i, mention in enumerate(mentions):
        resolved = resolve(mention, reference)
        if resolved is None:
            continue
        before_count = bisect_right(bounds, mention.start)
        sentence_start = bounds[before_count - 1] if before_count else 0
        after_index = bisect_right(bounds, mention.end)
        sentence_end = bounds[after_index] if after_index < len(bounds) else len(text)
        # A sentence as long as the text (a list of dates, a PDF without stops) is read as
        # far as a sentence goes: each date read it whole, time quadratic in the text.
        sentence_start = max(sentence_start, mention.start - SENTENCE_CHARS)
        sentence_end = min(sentence_end, mention.end + SENTENCE_CHARS)
        low = max(sentence_start, mention.start - 120, mentions[i - 1].end if i else 0)
        high = min(
            sentence_end,
            mention.end + 80,
            mentions[i + 1].start if i + 1 < len(mentions) else len(text),
        )
        contexts.append(
            _Context(
                mention,
                resolved[0],
                resolved[1],
                masked[low : mention.start],
                masked[mention.end : high],
                masked[sentence_start:sentence_end],
                sentence_end,
            )
        )
    return contexts


# --- deadlines -------------------------------------------------------------------------------

_DEADLINE_STRONG = re.compile(
    r"frist|schluss|stichtag|deadline|spätestens|spaetestens|closing date|\bclos(?:e|es|ing)\b"
    r"|\bdue\b|no later than|not later than|endet|ends on"
)
_UNTIL = re.compile(
    r"(?:\bbis|\bby|\buntil|\btill|\bbefore)(?:\s+(?:zum|spätestens|einschließlich|the|dem))?"
    r"(?:\s+[a-zäöü]+,?)?\s*[:,]?\s*$"
)
_SUBMISSION = re.compile(
    r"antr[aä]g|bewerb|skizze|einreich|eingereicht|einzureichen|einsend|eingegangen|vorschl[aä]g"
    r"|teilnahme|submi|proposal|appl(?:y|ication|icant)|expressions? of interest|entries|nominat"
)
_DEADLINE_NOT = re.compile(
    r"veröffentlich|publish|erschienen|\bdated?\s*$|laufzeit|förderzeitraum|zeitraum"
    r"|period|läuft|\bruns?\b|beginn|\bstart|frühestens|\bab\s*(?:dem\s*)?$|\bseit\b"
    r"|\bsince\b|anmeld|registr|preisverleihung|award|ceremony|jury|informed|benachrichtigt"
    r"|entscheid|decision|\bgilt\s+bis|gültig|valid|abgeschlossen|umgesetzt|durchgeführt|complet|implement"
    r"|verwendungsnachweis|\breport"
)
_OPENS = re.compile(r"\b(?:vom|from)\s*$")
_INFO_EVENT = re.compile(
    r"informationsveranstaltung|infoveranstaltung|info(?:rmation)? session|webinar|sprechstunde"
    r"|infotermin|kick-?off|auftakt"
)
_AFTER_NOT = re.compile(
    r"^\W*(?:\S+\s+){0,4}?(?:abgeschlossen|beendet|umgesetzt|durchgeführt|statt|gelten|gilt"
    r"|beginnen|starten|laufen)"
)


# An application window: its end is the deadline, whatever "Zeitraum" or "läuft" say.
_WINDOW = re.compile(
    r"(?:bewerbungs|antrags|einreichungs|teilnahme)(?:zeitraum|phase|fenster)|application"
    r" (?:period|window)|submission (?:period|window)|(?:call|aufruf|ausschreibung|portal)\s+"
    r"(?:is open|läuft|ist (?:vom )?geöffnet|ist offen|opens|öffnet)|open for (?:applications"
    r"|submissions)|entgegengenommen|accepted|angenommen"
)
# Applications at any time. Only in a sentence about applications or deadlines.
_ROLLING = re.compile(
    r"\blaufend\b|fortlaufend|jederzeit|ganzjährig|ohne\s+(?:\w+)?frist|keine\s+(?:\w+)?frist"
    r"|frist(?:en)?\s+gibt\s+es\s+(?:nicht|keine)"
    r"|kein(?:en)?\s+stichtag|bis auf weiteres|solange\s+(?:die\s+)?(?:\w+\s+)?mittel"
    r"|rolling|at any time|all year(?: round)?|no (?:fixed )?(?:deadline|closing date)"
    r"|open[- ]ended|until (?:the )?funds are|while funds last|continuously|on an ongoing basis"
)
_SENTENCE = re.compile(r"[^.!?;\n]+")


def _rolling(text: str) -> bool:
    return any(
        _ROLLING.search(sentence)
        and (_SUBMISSION.search(sentence) or _DEADLINE_STRONG.search(sentence))
        for sentence in _SENTENCE.findall(text.lower())
    )


def _deadline_score(context: _Context) -> int:
    before, after = context.before, context.after
    is_range = context.mention.last is not None
    if is_range and (_SUBMISSION.search(before) or _WINDOW.search(before)):
        return -3 if _AFTER_NOT.search(after) else 3
    if not is_range and _OPENS.search(before):  # "Richtlinie vom …", "from 1 May"
        return -1
    if _DEADLINE_STRONG.search(before):
        score = 3
    elif (_UNTIL.search(before) or is_range) and (
        _SUBMISSION.search(before) or _SUBMISSION.search(after)
    ):
        score = 2
    elif _UNTIL.search(before) or _SUBMISSION.search(before):
        score = 1
    else:
        score = 0
    if (
        _DEADLINE_NOT.search(before)
        or _AFTER_NOT.search(after)
        or (score < 3 and _INFO_EVENT.search(context.sentence))
    ):
        score -= 3
    return score


def _deadline(contexts: list[_Context], published: date | None) -> date | None:
    candidates = [
        c.end if c.mention.last is not None else c.start
        for c in contexts
        if _deadline_score(c) >= 2
    ]
    upcoming = [d for d in candidates if published is None or d >= published]
    return min(upcoming, default=None)


# --- funding facts ---------------------------------------------------------------------------

_NUM = r"\d+(?:[.,\u00a0\u202f]\d{3})*(?:[.,]\d+)?"
# Scale words of amounts with their factors ("Mio.", "Tsd.", "million", "k").
_SCALES = {
    "tsd": 1e3, "tausend": 1e3, "thousand": 1e3, "k": 1e3, "mio": 1e6, "million": 1e6,
    "millionen": 1e6, "mrd": 1e9, "milliarde": 1e9, "milliarden": 1e9, "billion": 1e9,
}  # fmt: skip
_SCALE = (
    r"(?:(?:mio|mrd|tsd)\.?|"  # only abbreviations take a dot: "2 million." ends a sentence
    + "|".join(sorted(_SCALES, key=len, reverse=True))
    + r")(?![\w])"
)
_CURRENCIES = ("Euro", "EUR", "€")
_CUR = rf"(?:{'|'.join(_CURRENCIES)})"
# One sum: "EUR 1", "50.000 Euro", "€2.5 million", "1,5 Mio. €", "2 million".
_SUM = rf"(?:{_CUR}\s?)?(?<![\d.,]){_NUM}(?:\s?{_SCALE})?(?:\s?{_CUR}(?![\w]))?"
_UP_TO = (
    "bis zu", "maximal", "höchstens", "jeweils bis zu", "up to", "a maximum of", "maximum of",
    "max.",
)  # fmt: skip
_BETWEEN = ("zwischen", "between")
# Where no sum, cap or range word can begin, one look at a character passes over the place
# (the optional words before a sum were tried at every character: 2.6 times the time).
_FIRST = "".join(sorted({w[0] for w in (*_UP_TO, *_BETWEEN, *_CURRENCIES)}))
_AMOUNT = re.compile(
    rf"(?=[{_FIRST}\d])"
    rf"(?:(?P<cap>{'|'.join(map(re.escape, _UP_TO))})\s+)?"
    rf"(?:(?P<between>{'|'.join(_BETWEEN)})\s+)?(?P<low>{_SUM})"
    rf"(?:\s*(?P<sep>bis|to|-|–|und|and)\s*(?P<high>{_SUM}))?",
    re.IGNORECASE,
)
_SCALE_WORD = re.compile(_SCALE, re.IGNORECASE)
_CURRENCY = re.compile(_CUR, re.IGNORECASE)
_CURRENCY_GATE = Gate.of("eur|€")  # what `_CURRENCY` finds, lower-cased


def _value(text: str, scale: float | None) -> float | None:
    """The number a sum writes, with its own scale word or else ``scale``."""
    number = re.search(_NUM, text)
    if number is None:
        return None
    digits = number[0].replace("\u00a0", "").replace("\u202f", "")
    # "50.000" and "50,000" are thousands; "2,5" and "2.5" are decimals.
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        value = float(re.sub(r"[.,]", "", digits))
    else:
        value = float(digits.replace(",", "."))
    word = _SCALE_WORD.search(text[number.end() :])
    factor = _SCALES[word[0].lower().rstrip(".")] if word else scale
    return value * (factor or 1)


def _amount_of(match: re.Match[str]) -> str | None:
    """The amount as written, the range kept whole; None for a number that is no amount."""
    low, high = match["low"], match["high"]
    if high is not None:
        joined_by_and = match["sep"].lower() in {"und", "and"}
        high_scale = _SCALE_WORD.search(high)
        scale = _SCALES[high_scale[0].lower().rstrip(".")] if high_scale else None
        low_value, high_value = _value(low, scale), _value(high, None)
        year_before = re.fullmatch(r"(?:19|20)\d\d", low.strip()) is not None
        if (
            (joined_by_and and not match["between"])
            or year_before
            or low_value is None
            or high_value is None
            or low_value > high_value
        ):
            # Not one range ("2025 – 30.000 Euro"): the sum with a currency is the amount.
            if _CURRENCY.search(low) or not _CURRENCY.search(high):
                high = None
            else:
                return high.strip()
    written = match[0] if high is not None else match[0][: match.end("low") - match.start()]
    return written.strip() if _CURRENCY.search(written) else None


_QUOTED_NAME = re.compile(
    r"(?:programm|fonds|fund|wettbewerb|aufruf|richtlinie|förderlinie|programme|program|call"
    r"|initiative|preis|prize|award)\w*\s+(?:for\s+proposals\s+)?[„\"“»‚'‘]"
    r"(?P<name>[^“\"”«'‘’\n]{3,100})[“\"”«'‘’]",
    re.IGNORECASE,
)
_QUOTED_GATE = Gate.of(
    "program|fonds|fund|wettbewerb|aufruf|richtlinie|förderlinie|call|initiative|preis|prize|award",
    "„|\"|“|»|‚|'|‘",
)
_NAMED_PROGRAMME = re.compile(
    r"Internal Security Fund(?: \(ISF\))?|Fonds für die innere Sicherheit|Horizon Europe"
    r"|Demokratie leben!|Erasmus\+|CERV|Urban Innovative Actions|European Urban Initiative"
)
_TITLE_PREFIX = re.compile(
    r"^(?:förderaufruf|aufruf|ausschreibung|wettbewerb|bekanntmachung|call for proposals|call"
    r"|funding call|neu|new)\s*:\s*",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:Die|Der|Das|Den|Dem|The)\s+")
_CLAUSE = r"(?P<e>(?:[^.\n;]|\.(?=\d))+)"
_CLAUSE_SHORT = r"(?P<e>(?:[^.\n;]|\.(?=\d))+?)"
_ELIGIBLE = [  # each with what its matches hold (`kb.patterns`)
    (
        re.compile(
            r"(?:antragsberechtigt|zuwendungsempfänger|bewerbungsberechtigt|teilnahmeberechtigt)\w*"
            rf"\s+(?:können|dürfen)\s+{_CLAUSE_SHORT}\s+sein\b",
            re.IGNORECASE,
        ),
        Gate.of(
            "antragsberechtigt|zuwendungsempfänger|bewerbungsberechtigt|teilnahmeberechtigt",
            "können|dürfen",
        ),
    ),
    (
        re.compile(
            r"(?:antragsberechtigt|zuwendungsempfänger|bewerbungsberechtigt|teilnahmeberechtigt)\w*"
            rf"(?:\s+sind|\s*:)\s*{_CLAUSE}",
            re.IGNORECASE,
        ),
        Gate.of("antragsberechtigt|zuwendungsempfänger|bewerbungsberechtigt|teilnahmeberechtigt"),
    ),
    (
        re.compile(
            r"(?:teilnehmen|bewerben|antrag stellen|anträge stellen|einreichen)\s+(?:können|dürfen)"
            rf"\s+(?:sich\s+)?{_CLAUSE}",
            re.IGNORECASE,
        ),
        Gate.of("teilnehmen|bewerben|antrag stellen|anträge stellen|einreichen", "können|dürfen"),
    ),
    (
        re.compile(
            rf"(?:richtet sich an|wendet sich an|is open to|are open to|open to|eligible applicants"
            rf"(?: are)?:?|eligible are|who can apply:?|applicants must be)\s+{_CLAUSE}",
            re.IGNORECASE,
        ),
        Gate.of("richtet sich an|wendet sich an|open to|eligible|who can apply|applicants must be"),
    ),
    (
        re.compile(r"(?:^|(?<=[.!?;]\s)|(?<=\n))(?P<e>[^.\n;]{3,160}?)\s+(?:may|can) apply\b"),
        Gate.of("may apply|can apply"),
    ),
]


def _amount(text: str) -> str | None:
    """The amount per project: a capped one ("bis zu …") first, else the first one."""
    if not _CURRENCY_GATE.open(lowered(text)):
        return None  # an amount names its currency (`_amount_of`): the text names none
    found = [(m, amount) for m in _AMOUNT.finditer(text) if (amount := _amount_of(m))]
    capped = [amount for m, amount in found if m["cap"]]
    best = capped or [amount for _, amount in found]
    return best[0] if best else None


def _programme(title: str, text: str) -> str | None:
    for source in (title, text):
        if _QUOTED_GATE.open(lowered(source)) and (quoted := _QUOTED_NAME.search(source)):
            return quoted["name"].strip()
        if named := _NAMED_PROGRAMME.search(source):
            return named[0]
    cleaned = _TITLE_PREFIX.sub("", title.strip())
    return cleaned or None


@dataclass(frozen=True)
class _FunderWords:
    names: re.Pattern[str]
    heads: frozenset[str]
    regions: frozenset[str]
    compound_heads: tuple[str, ...]
    joiners: frozenset[str]
    genitive: dict[str, str]


@cache
def _funder_words() -> _FunderWords:
    raw = tomllib.loads(resources.files("kb").joinpath("data", "funders.toml").read_text("utf-8"))
    names = sorted(raw["names"], key=len, reverse=True)
    return _FunderWords(
        names=re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])"),
        heads=frozenset(raw["heads"]),
        regions=frozenset(raw["regions"]),
        compound_heads=tuple(raw["compound_heads"]),
        joiners=frozenset(raw["joiners"]),
        genitive=dict(raw["genitive"]),
    )


_TOKEN = re.compile(r"[\w-]+|[^\w\s]")
NAME_TOKENS = 24  # words and marks after a funder's head word that may belong to its name
_STOP_WORDS = GERMAN_WORDS | ENGLISH_WORDS


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in _STOP_WORDS


def _ungenitive(word: str, words: _FunderWords) -> str:
    for ending, base in words.genitive.items():
        if word.lower().endswith(ending):
            return word[: len(word) - len(ending)] + base
    return word


def _is_head(word: str, words: _FunderWords) -> bool:
    word = _ungenitive(word, words)
    if word in words.heads:
        return True
    lower = word.lower()
    return word[:1].isupper() and any(
        lower.endswith(head) and len(word) > len(head) for head in words.compound_heads
    )


def _built_funders(text: str, words: _FunderWords, lang: str) -> list[tuple[int, str]]:
    """Names built around head words: capitalised words before it (up to three), after it
    capitalised words behind joiners ("für", "und", "of the"), a comma list only when it closes
    with "und"/"and" ("für Inneres, Digitalisierung und Kommunen"). A capitalised word right
    after another belongs to the name after the head ("Stiftung Mercator"), in English titles
    ("for Safer Cities") and as a region ("… Kommunen Baden-Württemberg"); in German it is
    otherwise the next noun of the sentence ("… Bauwesen Modellvorhaben")."""
    tokens = list(_TOKEN.finditer(text))
    found = []
    for i, token in enumerate(tokens):
        # Heads are capitalised, and so is what a genitive ending leaves of one: most words
        # are passed over without looking at their endings.
        if not token[0][:1].isupper() or not _is_head(token[0], words):
            continue
        first = i
        while first > 0 and i - first < 3 and _capitalised(tokens[first - 1][0]):
            first -= 1
        last, k, first_comma = i, i + 1, None
        # A name ends within a few words ("… für Familie, Senioren, Frauen und Jugend"): a run
        # of heads and joiners ("Stiftung für Stiftung für …") was read to its end from each.
        while k < min(len(tokens), i + NAME_TOKENS):
            word = tokens[k][0]
            joined = tokens[k - 1][0] in words.joiners or tokens[k - 1][0] == ","
            direct = k == last + 1 and (last == i or lang == "en" or word in words.regions)
            if (_capitalised(word) or word.isupper()) and (joined or direct):
                last, k = k, k + 1
            elif word in words.joiners:
                k += 1
            elif word == ",":
                first_comma = last if first_comma is None else first_comma
                k += 1
            else:
                break
        listed = {t[0] for t in tokens[last if first_comma is None else first_comma : last + 1]}
        if first_comma is not None and not {"und", "and", "&"} & listed:
            last = first_comma  # "Stiftung X, Kommunen können …": the list is not the name's
        if first == last and token[0] in words.heads:
            continue  # a bare head ("die Stiftung") names nobody; a compound does
        start, end = tokens[first].start(), tokens[last].end()
        name = text[start:end]
        name = name.replace(token[0], _ungenitive(token[0], words), 1)
        found.append((start, name))
    return found


def _funder(combined: str, lang: str) -> str | None:
    """The first funder the text names: a known name or one built around a head word."""
    words = _funder_words()
    candidates = [(m.start(), m[0]) for m in words.names.finditer(combined)]
    candidates += _built_funders(combined, words, lang)
    if not candidates:
        return None
    _, name = min(candidates, key=lambda c: (c[0], -len(c[1])))
    return _ARTICLE.sub("", name).strip()


def _eligible(masked: str, text: str) -> str | None:
    low = lowered(masked)
    for pattern, gate in _ELIGIBLE:
        if gate.open(low) and (match := pattern.search(masked)):
            found = text[match.start("e") : match.end("e")].strip(" ,:")
            if found:
                return found[:200]
    return None


def extract_funding(text: str, title: str, published: date | None, lang: str) -> FundingCall:
    """Programme, funder, eligibility, amount and deadline of a funding call."""
    combined = f"{title}\n{text}" if title else text
    deadline = _deadline(_contexts(combined, published), published)
    return FundingCall(
        programme=_programme(title, text),
        funder=_funder(combined, lang),
        eligible=_eligible(_dated(combined)[1], combined),
        amount=_amount(combined),
        deadline=deadline,
        rolling=deadline is None and _rolling(combined),
    )


# --- events ----------------------------------------------------------------------------------

_EVENT_STRONG = re.compile(
    r"termin|datum|\bdate\b|\bwhen\b|\bwann\b|findet|\bfand\b|take?s? place|will be held|is held"
    r"|\bheld\b|\bmeet|\btagt\b|treffen sich|montag|dienstag|mittwoch|donnerstag|freitag|samstag"
    r"|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\brun\b"
)
_EVENT_WEAK = re.compile(
    r"\bam\b|\bvom\b|\bon\b|\bfrom\b|tagung|konferenz|conference|seminar|workshop|webinar"
    r"|kongress|congress|fachtag|sprechstunde|session|versammlung|assembly|veranstaltung|\bevent"
    r"|training|treffen|forum|gipfel|summit|exchange|austausch"
)
_EVENT_AFTER = re.compile(
    r"^\W*(?:\S+\s+){0,6}?(?:statt|stattfinden|take?s? place|be held)\b"
    r"|^[\s,]*(?:(?:von|from|ab|um|at)\s+)?\d{1,2}(?::\d\d|\.\d\d| ?uhr)"
    r"|^[\s,]*(?:in|im|at)\s+[A-ZÄÖÜa-zäöü]",
)
_EVENT_NOT = re.compile(
    r"anmeld|registr|regist(?:er|ration)|frist|deadline|schluss|\bbis\b|\bby\s*$|until|\bclos"
    r"|einreich|submi|abstract|beiträge|bewerb|frühbuch|early|verschickt|versandt|publish"
    r"|veröffentlich|\blast\b|letzte|vergangen|previous|nach dem|after the|recording|aufzeichnung"
    r"|\bgilt\b|valid|ticket"
)
_ONLINE = re.compile(
    r"(?=[dfhlmovwz])"
    r"(?:\bonline\b(?![-\s]?(?:anmeld|formular|form\b|registr|portal|hass|gewalt|kriminal|betrug"
    r"|harassment|hate|abuse|fraud|grooming|radicali|safety|crime|shop|dienst|service|umfrage"
    r"|survey|petition|befragung))|\bwebinar|videokonferenz|video ?conference|\bvirtuell"
    r"|\bvirtual(?:ly)?\b|\bzoom\b|\bwebex\b|microsoft teams|\bms teams\b|\blivestream|\bhybrid"
    r"|\bdigital(?:e[nrs]?)?\s+(?:sprechstunde|veranstaltung|tagung|fachtag|format|sitzung"
    r"|konferenz|mitgliederversammlung|workshop|seminar|austausch|treffen|vortrag|fortbildung)"
    r"|\bfindet\s+(?:\w+\s+){0,3}?digital\s+statt)",
    re.IGNORECASE,
)
_ONLINE_GATE = Gate.of("online|webinar|video|virtu|zoom|webex|teams|livestream|hybrid|digital")
_PLACE_LABEL = re.compile(
    r"(?:^|\n|(?<=[.;|]\s))\s*(?:veranstaltungsort|tagungsort|ort|venue|location|where|wo)"
    r"(?:\s*:|\s+(?:ist|is)\b)\s*(?P<p>[^\n;|]+)",
    re.IGNORECASE,
)
_CAPWORDS = (
    r"[A-ZÄÖÜ][\w-]*(?:(?:[ -]|\s(?:der|des|am|an der|im|für|of|on|de|del)\s)[A-ZÄÖÜ0-9][\w-]*)*"
)
_CAPS = rf"{_CAPWORDS}(?:,\s*{_CAPWORDS})?"
_PLACE_AFTER = re.compile(
    rf"\b(?:in der|in die|in den|in das|ins|in the|im|in|at the|at|auf dem|auf der|nach)"
    rf"\s+(?P<p>{_CAPS})",
)
_NOT_PLACES = frozenset(
    """Zusammenarbeit Kooperation Präsenz Person Form Rahmen Höhe Kürze Anschluss Vorfeld
    Mittelpunkt Anwesenheit Vorbereitung Anmeldung Abschluss Ende Absprache Vereinbarung Eingang
    Registrierung
    Zoom Webex Teams Cooperation Partnership Person Addition Order Case
    Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Monday Tuesday Wednesday Thursday
    Friday Saturday Sunday Januar Februar März Maerz April Mai Juni Juli August September Oktober
    November Dezember January February March May June July October December""".split()
)
_ORGANISER = [  # each with what its matches hold (`kb.patterns`)
    (
        re.compile(
            r"(?:veranstalter(?:in|innen)?|ausrichter(?:in)?|gastgeber(?:in)?|organi[sz]er|host)"
            r"(?:\s*:|\s+(?:ist|sind|is|are))\s*(?P<o>[^\n.;]+)",
            re.IGNORECASE,
        ),
        Gate.of("veranstalter|ausrichter|gastgeber|organiser|organizer|host"),
    ),
    (
        re.compile(r"(?:organi[sz]ed|hosted|convened)\s+by\s+(?:the\s+)?(?P<o>[^\n.;,]+)", re.I),
        Gate.of("organised|organized|hosted|convened"),
    ),
    (
        re.compile(r"[Ee]ine Veranstaltung (?:von|des|der)\s+(?P<o>[^\n.;]+)"),
        Gate.of("eine veranstaltung"),
    ),
    (
        re.compile(
            r"(?:^|(?<=[.!?]\s)|(?<=\n))(?P<o>[A-ZÄÖÜ][^.\n;]{1,100}?)\s+(?:lädt|laden|invites)\b"
        ),
        Gate.of("lädt|laden|invites"),
    ),
]


def _event_score(context: _Context, published: date | None) -> int:
    before, after = context.before, context.after
    score = 2 * bool(_EVENT_STRONG.search(before)) + bool(_EVENT_WEAK.search(before))
    score += 2 * bool(_EVENT_AFTER.search(after))
    if _EVENT_NOT.search(before):
        score -= 4
    if published is not None and context.end < published:
        score -= 2
    return score


def _clean_place(value: str) -> str | None:
    value = re.sub(r"\s*\([^)]*\)\s*$", "", value).strip(" ,.:–-")
    value = re.split(r"\.\s|\s+statt\b", value)[0]
    return value[:80].strip() or None


def _place_near(text: str, context: _Context) -> str | None:
    after = text[context.mention.end : context.sentence_end]
    for match in _PLACE_AFTER.finditer(after):
        if match.start() > 80:
            break
        first = match["p"].split()[0].strip(",")
        if first not in _NOT_PLACES:
            return _clean_place(match["p"])
    return None


def _organiser(text: str) -> str | None:
    low = lowered(text)
    for pattern, gate in _ORGANISER:
        if gate.open(low) and (match := pattern.search(text)):
            found = _ARTICLE.sub("", match["o"].strip())
            found = re.sub(r"\s+(?:herzlich|alle|seine|ihre|its|zur|zum)\b.*$", "", found)
            if found:
                return found[:100]
    return None


# Before a second date: it is the end of the event that starts at the first.
@cache
def _end_label() -> re.Pattern[str]:
    days = "|".join(weekdays())
    return re.compile(
        r"(?:\bbis|\bende|\bend(?:s|et|ing)?|\buntil|\bthrough|\bto|–|-)"
        rf"\W*(?:(?:am|on|zum|dem|the)\W+)?(?:(?:{days})\b\W*)?$"
    )


_LONGEST_EVENT = timedelta(days=31)
_STARTS = re.compile(r"\bbeginn|\bstart|\bbegin|\beinlass|\bdoors open|\bgeht es los|\blos geht")


@dataclass(frozen=True)
class _Span:
    start: date
    end: date
    start_time: time | None
    end_time: time | None


def _span(text: str, contexts: list[_Context], best: _Context) -> _Span:
    """Start and end with their times: a range's, or a date and a later one labelled as the end
    ("Beginn: 12.03.2025, 10 Uhr. Ende: 14.03.2025, 13 Uhr"); times follow their date ("10:00
    bis 16:30 Uhr") or stand within a range ("3. November, 10 Uhr, bis 5. November, 13 Uhr")."""
    index = contexts.index(best)
    following = contexts[index + 1 :]

    def times_after(context: _Context, after: list[_Context]) -> tuple[time, time | None] | None:
        stop = min([context.sentence_end, *(c.mention.start for c in after[:1])])
        return find_times(text[context.mention.end : stop])

    mention = best.mention
    inside = find_times(text[mention.start : mention.end]) if mention.last else None
    after = times_after(best, following)
    if after is None and inside is None:
        # "Am 22. Mai treffen sich … in Potsdam. Beginn ist um 9:30 Uhr."
        stop = following[0].mention.start if following else len(text)
        nxt = text[best.sentence_end : min(stop, best.sentence_end + 120)]
        after = find_times(nxt) if _STARTS.search(nxt.lower()) else None
    start_time: time | None = None
    end_time: time | None = None
    if inside is not None:
        start_time, end_time = inside[0], after[0] if after else None
    elif after is not None:
        start_time, end_time = after
    end = best.end
    labelled = following[0] if following and mention.last is None else None
    if (
        labelled is not None
        and _end_label().search(labelled.before)
        and best.start < labelled.start <= best.start + _LONGEST_EVENT
    ):
        end = labelled.end
        later = times_after(labelled, following[1:])
        end_time = later[0] if later else None
    return _Span(best.start, end, start_time, end_time)


def extract_event(text: str, title: str, published: date | None, lang: str) -> EventInfo:
    """Dates, place, online flag and organiser of an event announcement."""
    combined = f"{title}\n{text}" if title else text
    contexts = _contexts(combined, published)
    scored = [(c, _event_score(c, published)) for c in contexts]
    positive = [(c, s) for c, s in scored if s > 0]
    best = max(positive, key=lambda pair: pair[1], default=(None, 0))[0]
    if best is None:  # no event keyword: the first date not marked as something else
        best = next((c for c, s in scored if s == 0), None)
    online = _ONLINE_GATE.open(lowered(combined)) and _ONLINE.search(combined) is not None
    place: str | None = None
    if label := _PLACE_LABEL.search(combined):
        value = label["p"].strip()
        is_online = re.match(r"(?:online|digital|virtuell|virtual|webinar)\b", value, re.I)
        place = "online" if is_online else _clean_place(value)
        online = online or bool(is_online)
    if place is None and online:
        place = "online"
    if place is None and best is not None:
        place = _place_near(combined, best)
    span = _span(combined, contexts, best) if best is not None else None
    return EventInfo(
        start=span.start if span else None,
        end=span.end if span else None,
        place=place,
        online=online,
        organiser=_organiser(combined),
        start_time=span.start_time if span else None,
        end_time=span.end_time if span else None,
    )

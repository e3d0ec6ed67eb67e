"""Query understanding: forgiving syntax, accents, document numbers, abbreviations, Telex.

Raw visitor text becomes a `ParsedQuery`: clauses that must all match (each a set of
alternatives), exclusions, and what was understood. Nothing here raises on user input.
Syntax: `"quoted phrase"`, `-word`, `-"phrase"`, `a OR b`, `title:word`, `title:"phrase"`;
a stray quote runs to the end, `AND` alone is ignored, other punctuation is a separator.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from datetime import date

from searchsvc.store.schema import docnum_terms, word_forms
from searchsvc.vietnamese import dates, syllable, text

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
EXPANSION_WEIGHT = 0.8  # an abbreviation's expansion (or the reverse) ranks below exact
_SYNTAX = re.compile(r'(-?)((?:title|tieu_?de):)?(?:"([^"]*)"?|([^\s"]+))', re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Word:
    """One query word: folded form, and its accent key when typed with diacritics."""

    folded: str
    accent: str | None = None


@dataclass(frozen=True)
class Alternative:
    """One way a clause can match: all words (and, for a phrase, all their pairs)."""

    words: tuple[Word, ...]
    phrase: bool = False
    docnum: str | None = None
    weight: float = 1.0
    title_only: bool = False
    verify: bool = False  # a quoted phrase: also check stored text beyond the indexed lead
    gaps: int = 0  # pairs a phrase may miss (an expansion written with a comma inside)
    synonym: bool = False  # another written form of what was typed (UBND for Ủy ban nhân dân)
    published: tuple[date, date] | None = None  # published within these days (a typed date)

    def pairs(self) -> list[str]:
        """Return the adjacent-pair terms of the words."""
        w = [x.folded for x in self.words]
        return [f"{a}_{b}" for a, b in itertools.pairwise(w)]


@dataclass(frozen=True)
class Mark:
    """What a snippet marks: words where they stand together, or a date in any written form.

    With `parts`, a word of it may be marked alone where no longer run of it stands together.
    """

    words: tuple[Word, ...] = ()
    parts: bool = False
    day: date | None = None


@dataclass(frozen=True)
class Clause:
    """A required part of the query: matches when any alternative matches."""

    alternatives: tuple[Alternative, ...]
    label: str


@dataclass
class ParsedQuery:
    """The query as understood."""

    clauses: list[Clause] = field(default_factory=list)
    excluded: list[Alternative] = field(default_factory=list)
    searched: str = ""
    telex: str | None = None
    expansions: list[str] = field(default_factory=list)
    excluded_labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    period: dates.Mention | None = None  # a month or year typed: narrows by publication time
    without_period: str = ""  # the query with the period's words taken out

    def marks(self) -> list[Mark]:
        """Return what snippets mark: the words typed (consecutive single words as one run
        whose parts may stand alone), and every other form whole (an expansion as its phrase).
        """
        out: list[Mark] = []
        run: list[Word] = []
        for clause in self.clauses:
            first = clause.alternatives[0]
            day = next((d for a in clause.alternatives if (d := _a_day(a)) is not None), None)
            if day is not None:
                out.append(Mark(day=day))
            elif len(first.words) == 1 and first.docnum is None and first.published is None:
                run.append(first.words[0])
            elif first.words:
                out.append(Mark(first.words, parts=not (first.verify or first.docnum)))
            out += [_other_mark(a) for a in clause.alternatives[1:] if a.words]
        return [Mark(tuple(run), parts=True), *out] if run else out


def _a_day(alt: Alternative) -> date | None:
    """Return the day of an alternative that is the publication day of a typed date."""
    if alt.published is None or alt.published[0] != alt.published[1]:
        return None
    return alt.published[0]


def _other_mark(alt: Alternative) -> Mark:
    """Return the mark of a clause's other alternative: a form whole, other words in parts."""
    loose = not (alt.synonym or alt.phrase or alt.docnum) and len(alt.words) > 1
    return Mark(alt.words, parts=loose)


def make_word(raw: str) -> Word:
    """Return the Word for one raw word, keeping the accent key only when it has diacritics."""
    folded, accent = word_forms(raw.lower())
    return Word(folded, accent if accent != folded else None)


def _words(raw: str) -> tuple[Word, ...]:
    """Return the words of a piece of normalized text."""
    return tuple(make_word(w) for w in _WORD.findall(raw) if text.fold(w))


def _token_alternatives(raw: str, quoted: bool, title_only: bool) -> list[Alternative]:
    """Return the alternatives of one bare or quoted token (empty when it has no words)."""
    words = _words(raw)
    if not words:
        return []
    if len(words) == 1:
        return [Alternative(words, title_only=title_only)]
    alts = [Alternative(words, phrase=True, title_only=title_only, verify=quoted)]
    nums = docnum_terms(raw)
    if not quoted and len(nums) == 1 and _words(nums[0]) == tuple(w for w in words):
        alts.insert(0, Alternative(words, docnum=nums[0], title_only=title_only))
    return alts


def _split_bare(raw: str) -> list[str]:
    """Split a bare token into document-number pieces and plain words."""
    nums = docnum_terms(raw)
    if nums and len(nums) == 1 and text.fold(raw).strip(".,;:!?()[]{}'\"") == nums[0]:
        return [raw]
    return _WORD.findall(raw) if not nums else [raw]


def parse_syntax(query: str) -> ParsedQuery:
    """Parse normalized query text into clauses and exclusions, forgivingly."""
    parsed = ParsedQuery(searched=query)
    pending_or = False
    for m in _SYNTAX.finditer(query):
        neg, scope, quoted, bare = m.group(1), m.group(2), m.group(3), m.group(4)
        if bare is not None and not neg and not scope and bare in ("OR", "||", "|"):
            pending_or = bool(parsed.clauses)
            continue
        if bare is not None and not neg and not scope and bare in ("AND", "&&", "+"):
            continue
        pieces = [quoted] if quoted is not None else _split_bare(bare or "")
        for piece in pieces:
            alts = _token_alternatives(piece, quoted is not None, bool(scope))
            if not alts:
                continue
            if neg:
                parsed.excluded.extend(a for a in alts if a.docnum is None)
                parsed.excluded_labels.append(piece)
            elif pending_or:
                last = parsed.clauses[-1]
                parsed.clauses[-1] = Clause(
                    last.alternatives + tuple(alts), f"{last.label} OR {piece}"
                )
            else:
                parsed.clauses.append(Clause(tuple(alts), piece))
            pending_or = False
    return parsed


def _word_count(parsed: ParsedQuery) -> int:
    """Return how many words the clauses hold."""
    return sum(max(len(a.words) for a in c.alternatives) for c in parsed.clauses)


def _cost(alt: Alternative) -> int:
    """Return what one alternative costs against MAX_WORDS: its words (a document number 1)."""
    return 1 if alt.docnum is not None else max(1, len(alt.words))


def _limit(parsed: ParsedQuery) -> None:
    """Keep at most MAX_WORDS words of clauses, every OR'd alternative counting; note a cut.

    A clause keeps its first alternatives that fit (`"a b" OR "c d"` costs 4, not 2);
    the readings the engine adds itself (Telex, abbreviations) are not counted.
    """
    kept: list[Clause] = []
    count = 0
    for clause in parsed.clauses:
        alts: list[Alternative] = []
        for alt in clause.alternatives:
            if count + _cost(alt) > MAX_WORDS:
                break
            alts.append(alt)
            count += _cost(alt)
        if alts:
            kept.append(Clause(tuple(alts), clause.label))
        if len(alts) < len(clause.alternatives):
            parsed.notes.append(f"Chỉ tìm {MAX_WORDS} từ đầu tiên của truy vấn.")
            break
    parsed.clauses = kept
    parsed.excluded = parsed.excluded[:MAX_WORDS]


def _unaccented(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Drop accent keys: accents the visitor did not type express no preference."""
    return tuple(Word(w.folded) for w in words)


def _expand_abbreviations(parsed: ParsedQuery) -> None:
    """Merge clauses that name one concept into a clause holding every written form of it.

    `UBND`, `Ủy ban nhân dân`, and mixed forms such as `thành phố HCM` (for TP HCM) become one
    clause whose alternatives are all the concept's forms; the longest span wins.
    """
    out: list[Clause] = []
    i = 0
    clauses = parsed.clauses
    while i < len(clauses):
        found = _concept_span(clauses, i)
        if found is None:
            out.append(clauses[i])
            i += 1
            continue
        size, key, forms = found
        out.append(_concept_clause(clauses[i : i + size], key, forms))
        parsed.expansions += [f for f in forms if _key(f) != key]
        i += size
    parsed.clauses = out


def _key(raw: str) -> str:
    """Return the folded words of a text joined by single spaces."""
    return " ".join(text.fold(text.normalize(raw)).split())


def _plain_clause(clause: Clause) -> bool:
    """Return whether a clause is a bare token (no title:, OR, or quoted phrase)."""
    alts = clause.alternatives
    return not any(a.title_only or a.verify for a in alts) and " OR " not in clause.label


def _clause_keys(clause: Clause) -> list[str]:
    """Return the folded key of a clause and the phrase keys of what it abbreviates."""
    key = _key(clause.label)
    if key in text.abbreviations() and _typed_ok(clause.label, key):
        return [key, *(_key(e) for e in text.abbreviations()[key])]
    return [key]


def _typed_ok(label: str, key: str) -> bool:
    """Refuse an abbreviation typed in lowercase that is also a syllable (tu: từ, not TU)."""
    return not (syllable.is_plain(key) and label.upper() != label)


def _concept_span(clauses: list[Clause], i: int) -> tuple[int, str, list[str]] | None:
    """Return (size, key, forms) of the longest span of clauses from i naming a known concept."""
    for size in range(min(8, len(clauses) - i), 0, -1):
        span = clauses[i : i + size]
        if not all(_plain_clause(c) for c in span):
            continue
        combos = [""]
        for clause in span:
            combos = [f"{a} {k}".strip() for a in combos for k in _clause_keys(clause)][:32]
        label = " ".join(c.label for c in span)
        for key in combos if size > 1 else combos[:1]:
            forms = text.concept_forms(key)
            if forms and (size > 1 or _typed_ok(label, key)):
                return size, _key(label), forms
    return None


def _concept_clause(span: list[Clause], key: str, forms: list[str]) -> Clause:
    """Return one clause: what was typed, then every other form of the concept as a synonym."""
    if len(span) == 1:
        alts = list(span[0].alternatives)
    else:
        alts = [Alternative(tuple(w for c in span for w in c.alternatives[0].words))]
    for form in forms:
        if _key(form) != key:
            alts += _form_alternatives(text.normalize(form))
    unique: dict[tuple[object, ...], Alternative] = {}
    for alt in alts:
        unique.setdefault((tuple(w.folded for w in alt.words), alt.phrase, alt.docnum), alt)
    return Clause(tuple(unique.values()), " ".join(c.label for c in span))


def _form_alternatives(form: str) -> list[Alternative]:
    """Return the alternatives of one written form: an abbreviation token or a phrase."""
    if " " in form:
        words = _unaccented(_words(form))
        return [_expansion(words)] if words else []
    return [
        replace(alt, words=_unaccented(alt.words), weight=EXPANSION_WEIGHT, synonym=True)
        for alt in _token_alternatives(form, False, False)
    ]


def _expansion(words: tuple[Word, ...]) -> Alternative:
    """Return a spelled-out form as a phrase that tolerates one punctuation gap.

    Officials write `phòng cháy, chữa cháy` and `kinh tế - xã hội`: pairs are not indexed across
    punctuation, so a phrase of three or more words may miss one of its pairs.
    """
    long = len(words) > 2
    return Alternative(
        words, len(words) > 1, weight=EXPANSION_WEIGHT, verify=long, gaps=int(long), synonym=True
    )


def _with_telex(parsed: ParsedQuery, telex: ParsedQuery) -> ParsedQuery:
    """Search the Telex reading, keeping each original word as an alternative when aligned."""
    if len(telex.clauses) != len(parsed.clauses):
        return telex
    merged = [
        Clause(t.alternatives + o.alternatives, t.label) if t != o else t
        for t, o in zip(telex.clauses, parsed.clauses, strict=True)
    ]
    telex.clauses = merged
    return telex


def clip(raw: str) -> str:
    """Return the query as it is searched: normalized, spaces collapsed, cut to MAX_QUERY_CHARS."""
    return _cut(" ".join(text.normalize(raw or "").split()))


def _cut(query: str) -> str:
    """Cut a normalized query to MAX_QUERY_CHARS, at a space when there is one."""
    if len(query) <= MAX_QUERY_CHARS:
        return query
    return query[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or query[:MAX_QUERY_CHARS]


def understand(raw: str, periods: bool = True) -> ParsedQuery:
    """Turn raw visitor text into a ParsedQuery; never raises on any string.

    With `periods` false, months and years typed (`tháng 3/2023`) stay words of the query.
    """
    whole = " ".join(text.normalize(raw or "").split())
    query = _cut(whole)
    notes: list[str] = []
    if query != whole:
        notes.append(f"Truy vấn quá dài: chỉ tìm {MAX_QUERY_CHARS} ký tự đầu tiên.")
    rest, mentions = _take_dates(query, periods)
    parsed = parse_syntax(rest)
    parsed.searched = query
    _limit(parsed)
    telex = text.from_telex(query)
    if telex and telex != query:
        reading = parse_syntax(_take_dates(telex, periods)[0])
        _limit(reading)
        parsed = _with_telex(parsed, reading)
        parsed.telex = telex
        parsed.searched = telex
    _expand_abbreviations(parsed)
    _add_dates(parsed, mentions, query)
    parsed.notes = notes + parsed.notes
    return parsed


def _take_dates(query: str, periods: bool) -> tuple[str, list[dates.Mention]]:
    """Return the query without its date (and month, year) mentions, and the mentions.

    A mention inside a quoted phrase stays in the phrase.
    """
    mentions = [
        m
        for m in dates.find(query)
        if query.count('"', 0, m.start) % 2 == 0 and (periods or m.kind == "day")
    ]
    rest = query
    for m in reversed(mentions):
        rest = rest[: m.start] + " " + rest[m.end :]
    return " ".join(rest.split()), mentions


def _add_dates(parsed: ParsedQuery, mentions: list[dates.Mention], query: str) -> None:
    """Add a clause for each day typed; keep the first month or year as the period."""
    for m in mentions:
        if m.kind == "day":
            parsed.clauses.append(_day_clause(m, query[m.start : m.end]))
        elif parsed.period is None:
            parsed.period = m
            parsed.without_period = " ".join((query[: m.start] + " " + query[m.end :]).split())
            parsed.clauses.append(_period_clause(m))


def _period_clause(mention: dates.Mention) -> Clause:
    """Return a clause every article of the period matches; those that name it score higher.

    The search narrows to articles published in the period; within it, a title or body that
    writes the period (`năm 2023`, `3/2023`) is the better match.
    """
    first = mention.first
    if mention.kind == "year":
        alts = [Alternative(_words(f"năm {first.year}"), phrase=True)]
    else:
        written = [f"{first.month}/{first.year}", f"{first.month:02}/{first.year}"]
        alts = [Alternative(_words(w), docnum=w) for w in dict.fromkeys(written)]
        alts.append(Alternative(_words(f"tháng {first.month} năm {first.year}"), phrase=True))
    alts.append(Alternative((), weight=0.1, published=(first, mention.last)))
    return Clause(tuple(alts), mention.label)


def _day_clause(mention: dates.Mention, typed: str) -> Clause:
    """Return the clause of a typed date: written in a title or body in any form, or published."""
    day = mention.first
    written = {dates.day_term(day), f"{day.day}/{day.month}/{day.year}"}
    written |= {f"{day.day:02}/{day.month:02}/{day.year}", f"{day.day:02}/{day.month}/{day.year}"}
    written.add(f"{day.day}/{day.month:02}/{day.year}")  # as older indexes hold them
    alts = [Alternative((), docnum=term) for term in sorted(written)]
    alts.append(Alternative((), published=(day, day)))
    return Clause(tuple(alts), typed)

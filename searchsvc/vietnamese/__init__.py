"""Vietnamese text: NFC normalization, folding, tone placement, syllables, Telex, abbreviations.

The first stage; imports nothing else of searchsvc. Public modules: `text` (`normalize`,
`fold`, `fold_normalized`, `accent_key`, `tokens`, `term`, `from_telex`, `abbreviations`,
`phrases`, `expansions_of`), `syllable` (`parse`, `canonical`, `split_tone`, `compose`,
`telex_word`, `is_plain`, `is_numeral`), `docnumbers` (`citations`: the documents a text
cites, `45/KH-UBND` with its kind, issuer and year; `Citation`; the tables `kinds`, `issuers`)
and `dates` (`day_terms`, `find`: days, months and years as people write them).
"""

from searchsvc.vietnamese import dates, docnumbers, syllable, text

__all__ = ["dates", "docnumbers", "syllable", "text"]

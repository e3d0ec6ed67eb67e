"""Vietnamese text: NFC normalization, folding, tone placement, syllables, Telex, abbreviations.

The first stage; imports nothing else of searchsvc. Public modules: `text` (`normalize`,
`fold`, `fold_normalized`, `accent_key`, `tokens`, `term`, `from_telex`, `abbreviations`,
`phrases`, `expansions_of`), `syllable` (`parse`, `canonical`, `split_tone`, `compose`,
`telex_word`, `is_plain`, `is_numeral`) and `docnumbers` (`citations`: the documents a text
cites, `45/KH-UBND` with its kind, issuer and year; `Citation`; the tables `kinds`, `issuers`).
"""

from searchsvc.vietnamese import docnumbers, syllable, text

__all__ = ["docnumbers", "syllable", "text"]

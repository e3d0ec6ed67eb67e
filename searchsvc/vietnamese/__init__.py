"""Vietnamese text: NFC normalization, folding, tone placement, syllables, Telex, abbreviations.

The first stage; imports nothing else of searchsvc. Public modules: `text` (`normalize`,
`fold`, `fold_normalized`, `accent_key`, `tokens`, `term`, `from_telex`, `abbreviations`,
`phrases`, `expansions_of`) and `syllable` (`parse`, `canonical`, `split_tone`, `compose`,
`telex_word`, `is_plain`, `is_numeral`).
"""

from searchsvc.vietnamese import syllable, text

__all__ = ["syllable", "text"]

"""Fixed vocabularies the forms offer: programmes, interests, languages, availability slots.

Codes are stored; labels are shown (Dutch source strings, translated by Flask-Babel).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matcher import DAY_PARTS, DAYS

PROGRAMMES: dict[str, object] = {
    "buddy": _l("Maatje (buddy)"),
    "jong-ontmoet-oud": _l("Jong ontmoet Oud"),
    "digitaal": _l("Leer de digitale wereld kennen"),
    "bewegen": _l("Bewegen tegen eenzaamheid"),
    "cultuur": _l("Cultuur op maat"),
}

PROGRAMME_DESCRIPTIONS: dict[str, object] = {
    "buddy": _l("Elke week of twee weken samen iets doen: een wandeling, koffie, een praatje."),
    "jong-ontmoet-oud": _l("Jongeren en ouderen ontmoeten elkaar en leren van elkaar."),
    "digitaal": _l("Iemand helpen met de telefoon, tablet of computer, thuis of in de bibliotheek."),
    "bewegen": _l("Samen bewegen: wandelen, fietsen, gym of zwemmen."),
    "cultuur": _l("Samen naar een museum, concert of voorstelling."),
}

INTERESTS: dict[str, object] = {
    "wandelen": _l("wandelen"),
    "fietsen": _l("fietsen"),
    "koken": _l("koken"),
    "bakken": _l("bakken"),
    "lezen": _l("lezen"),
    "tuinieren": _l("tuinieren"),
    "muziek": _l("muziek"),
    "zingen": _l("zingen"),
    "dansen": _l("dansen"),
    "spelletjes": _l("spelletjes"),
    "puzzelen": _l("puzzelen"),
    "koffie": _l("koffie drinken en kletsen"),
    "handwerken": _l("handwerken"),
    "voetbal": _l("voetbal"),
    "sport-kijken": _l("sport kijken"),
    "dieren": _l("dieren"),
    "natuur": _l("natuur"),
    "musea": _l("musea en kunst"),
    "film": _l("film"),
    "theater": _l("theater"),
    "geschiedenis": _l("geschiedenis"),
    "computers": _l("computer en tablet"),
    "fotografie": _l("fotografie"),
    "reizen": _l("reizen"),
    "klussen": _l("klussen"),
    "markt": _l("markt en winkelen"),
    "taal": _l("taal leren"),
    "geloof": _l("geloof en kerk"),
    "vissen": _l("vissen"),
    "bingo": _l("bingo"),
}

LANGUAGES: dict[str, object] = {
    "nl": _l("Nederlands"),
    "en": _l("Engels"),
    "tr": _l("Turks"),
    "ar": _l("Arabisch"),
    "ber": _l("Tamazight (Berbers)"),
    "pap": _l("Papiaments"),
    "srn": _l("Sranantongo"),
    "pl": _l("Pools"),
    "uk": _l("Oekraïens"),
    "de": _l("Duits"),
    "fr": _l("Frans"),
    "es": _l("Spaans"),
}

DAY_LABELS: dict[str, object] = {
    "mon": _l("maandag"),
    "tue": _l("dinsdag"),
    "wed": _l("woensdag"),
    "thu": _l("donderdag"),
    "fri": _l("vrijdag"),
    "sat": _l("zaterdag"),
    "sun": _l("zondag"),
}

DAY_SHORT: dict[str, object] = {
    "mon": _l("ma"),
    "tue": _l("di"),
    "wed": _l("wo"),
    "thu": _l("do"),
    "fri": _l("vr"),
    "sat": _l("za"),
    "sun": _l("zo"),
}

PART_LABELS: dict[str, object] = {
    "morning": _l("ochtend"),
    "afternoon": _l("middag"),
    "evening": _l("avond"),
}

GENDERS: dict[str, object] = {
    "vrouw": _l("vrouw"),
    "man": _l("man"),
    "anders": _l("anders"),
}

TRAVEL_DISTANCES_KM = (1, 2, 3, 5, 8)


def slot_label(slot: str) -> str:
    """'tue-evening' -> 'dinsdagavond' (Dutch compound), 'Tuesday evening' in English via the catalogue."""
    day, part = slot.split("-")
    # Dutch writes the slot as one word; the English catalogue puts a space in.
    return _("%(day)s%(part)s", day=DAY_LABELS[day], part=PART_LABELS[part])


def label(vocabulary: dict[str, object], code: str) -> str:
    """The label of a code, or the code itself for a value no longer in the vocabulary."""
    return str(vocabulary.get(code, code))


__all__ = [
    "DAYS",
    "DAY_LABELS",
    "DAY_PARTS",
    "DAY_SHORT",
    "GENDERS",
    "INTERESTS",
    "LANGUAGES",
    "PART_LABELS",
    "PROGRAMMES",
    "PROGRAMME_DESCRIPTIONS",
    "TRAVEL_DISTANCES_KM",
    "label",
    "slot_label",
]

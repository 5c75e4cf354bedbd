"""Write the demo CSV files in this folder: invented people in and around Rijswijk.

Run ``python seed_data/generate.py`` to regenerate; the output is deterministic (fixed seed), so the committed
files only change when this script does. Dates are stored as "days ago" so the demo stays current, and each date
follows the one before it as the forms require (signed up, intake talk, VOG requested, VOG issued, today).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
RNG = random.Random(603)  # Rijswijk's municipality code

# Rijswijk (2281-2289) and neighbouring home postcodes: Den Haag Moerwijk/Ypenburg, Voorburg, Wateringen, Delft.
RIJSWIJK_PC4 = ["2281", "2282", "2283", "2284", "2285", "2286", "2287", "2288", "2289"]
NEIGHBOUR_PC4 = ["2271", "2273", "2274", "2275", "2291", "2292", "2612", "2613", "2614", "2497", "2531", "2532", "2541"]
LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
STREETS = [
    "Herenstraat",
    "Haagweg",
    "Steenvoordelaan",
    "Van Vredenburchweg",
    "Churchilllaan",
    "Lindelaan",
    "Generaal Spoorlaan",
    "Prinses Irenelaan",
    "Te Werve",
    "Sir Winston Churchilllaan",
    "Burgemeester Elsenweg",
    "Rembrandtkade",
    "Mozartlaan",
    "Huis te Landelaan",
    "Kastanjelaan",
    "Esdoornlaan",
    "Cromvlietkade",
]

FIRST_NAMES_F = [
    "Anna",
    "Fatima",
    "Ingrid",
    "Marieke",
    "Joke",
    "Sevgi",
    "Yasmina",
    "Petra",
    "Els",
    "Wilma",
    "Sanne",
    "Lotte",
    "Agnieszka",
    "Shanti",
    "Noor",
    "Esther",
    "Riet",
    "Gerda",
    "Hatice",
    "Mila",
    "Sophie",
    "Femke",
    "Ria",
    "Naima",
    "Olga",
    "Carla",
    "Truus",
    "Lieke",
    "Ayse",
    "Marjan",
]
FIRST_NAMES_M = [
    "Kees",
    "Mohamed",
    "Jan",
    "Pieter",
    "Henk",
    "Mehmet",
    "Rachid",
    "Wim",
    "Bas",
    "Sem",
    "Daan",
    "Tomasz",
    "Ravi",
    "Johan",
    "Gerrit",
    "Hasan",
    "Ahmed",
    "Ruud",
    "Theo",
    "Karim",
    "Niels",
    "Bram",
    "Joop",
    "Dirk",
]
LAST_NAMES = [
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Yilmaz",
    "El Amrani",
    "Kaya",
    "Ramdin",
    "Nowak",
    "Kowalski",
    "Bouzid",
    "Sardjoe",
    "van der Meer",
    "Koster",
    "Verhoef",
    "Ouali",
    "Demir",
    "Kramer",
    "Prins",
    "Huisman",
    "Lambregts",
    "van Rijn",
    "Molenaar",
]
INTERESTS = [
    "wandelen",
    "fietsen",
    "koken",
    "bakken",
    "lezen",
    "tuinieren",
    "muziek",
    "zingen",
    "dansen",
    "spelletjes",
    "puzzelen",
    "koffie",
    "handwerken",
    "voetbal",
    "sport-kijken",
    "dieren",
    "natuur",
    "musea",
    "film",
    "theater",
    "geschiedenis",
    "computers",
    "fotografie",
    "reizen",
    "klussen",
    "markt",
    "taal",
    "geloof",
    "vissen",
    "bingo",
]
SLOTS = [
    f"{d}-{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") for p in ("morning", "afternoon", "evening")
]
PROGRAMMES = ["buddy", "jong-ontmoet-oud", "digitaal", "bewegen", "cultuur"]

MOTIVATIONS = [
    "Ik ben net met pensioen en wil graag iets voor een ander betekenen.",
    "Ik woon sinds kort in Rijswijk en wil mensen leren kennen.",
    "Mijn oma was erg eenzaam; ik weet hoeveel een bezoekje betekent.",
    "Ik help graag met telefoons en computers, dat doe ik ook voor mijn ouders.",
    "Ik wandel elke dag en vind het gezellig om dat samen te doen.",
    "Als student heb ik tijd over en ik vind ouderen interessant om mee te praten.",
    "Ik was zelf een tijd eenzaam na mijn scheiding. Nu wil ik iets terugdoen.",
    "Ik ga graag naar musea en theater en neem iemand graag mee.",
    "",
]

# Why a partner refers someone, for a woman and for a man (one is drawn, the resident's gender picks the wording).
REFERRAL_REASONS = [
    (
        "Mevrouw is sinds het overlijden van haar man veel alleen en komt weinig buiten.",
        "Meneer is sinds het overlijden van zijn vrouw veel alleen en komt weinig buiten.",
    ),
    (
        "Mevrouw is net verhuisd naar de flat en kent niemand in de buurt.",
        "Meneer is net verhuisd naar de flat en kent niemand in de buurt.",
    ),
    (
        "Bewoonster vertelde dat ze soms dagen niemand spreekt.",
        "Bewoner vertelde dat hij soms dagen niemand spreekt.",
    ),
    (
        "Na een ziekenhuisopname durft mevrouw minder naar buiten; zoekt iemand om mee te wandelen.",
        "Na een ziekenhuisopname durft meneer minder naar buiten; zoekt iemand om mee te wandelen.",
    ),
    (
        "Mevrouw is nieuw in Nederland, zoekt contact en wil Nederlands oefenen.",
        "Meneer is nieuw in Nederland, zoekt contact en wil Nederlands oefenen.",
    ),
    (
        "Mevrouw wil graag leren videobellen met haar kleinkinderen.",
        "Meneer wil graag leren videobellen met zijn kleinkinderen.",
    ),
    (
        "Mevrouw gaf aan dat ze zich eenzaam voelt sinds haar dochter naar het buitenland verhuisde.",
        "Meneer gaf aan dat hij zich eenzaam voelt sinds zijn dochter naar het buitenland verhuisde.",
    ),
]

NOTES = [
    "Slechthorend: rustig en duidelijk praten.",
    "Heeft een kat; vrijwilliger mag niet allergisch zijn.",
    "Liever ochtendafspraken, 's middags moe.",
    "Gebruikt een rollator; afspraken in de buurt.",
    "Spreekt beter Turks dan Nederlands.",
    "",
    "",
]

ORGANISATIONS = [
    ("Welzijn Rijswijk", "welzijn"),
    ("Gemeente Rijswijk", "gemeente"),
    ("GGD Haaglanden", "zorg"),
    ("Rijswijk Wonen", "woningcorporatie"),
    ("Vidomes", "woningcorporatie"),
    ("Florence", "zorg"),
    ("Humanitas", "welzijn"),
    ("Vitalismaatjes", "welzijn"),
    ("Bibliotheek aan de Vliet", "bibliotheek"),
    ("Haaglanden Beweegt en Sportief Plus", "sport"),
    ("Optisport", "sport"),
    ("Stichting Vier het Leven", "cultuur"),
    ("Indigo Haaglanden", "zorg"),
    ("Trias", "overig"),
    ("Martinifabriek", "cultuur"),
    ("Stichting ADO Den Haag", "sport"),
    ("Stichting Prinses Irenepark", "overig"),
]

# Demo accounts for local use only; the README lists them with their passwords.
ACCOUNTS = [
    ("beheer@samen.test", "Bea Beheer", "admin", "Welzijn Rijswijk", "demo-beheer-2026"),
    ("coordinator@samen.test", "Carla Coördinator", "coordinator", "Welzijn Rijswijk", "demo-coordinator-2026"),
    ("coordinator2@samen.test", "Karim Coördinator", "coordinator", "Welzijn Rijswijk", "demo-coordinator-2026"),
    ("flatcoach@samen.test", "Fenna Flatcoach", "referrer", "Rijswijk Wonen", "demo-flatcoach-2026"),
    ("vidomes@samen.test", "Vincent Vidomes", "referrer", "Vidomes", "demo-flatcoach-2026"),
    ("bibliotheek@samen.test", "Bo Bibliotheek", "referrer", "Bibliotheek aan de Vliet", "demo-flatcoach-2026"),
    ("gemeente@samen.test", "Gerda Gemeente", "viewer", "Gemeente Rijswijk", "demo-gemeente-2026"),
]


def postcode(rng: random.Random = RNG) -> str:
    pc4 = rng.choice(RIJSWIJK_PC4) if rng.random() < 0.85 else rng.choice(NEIGHBOUR_PC4)
    return f"{pc4} {rng.choice(LETTERS)}{rng.choice(LETTERS)}"


def phone(rng: random.Random = RNG) -> str:
    return f"06 {rng.randint(10000000, 99999999)}"


def pick(options: list[str], low: int, high: int, rng: random.Random = RNG) -> str:
    return ";".join(sorted(rng.sample(options, rng.randint(low, high)), key=options.index))


def languages(rng: random.Random = RNG) -> str:
    roll = rng.random()
    if roll < 0.72:
        return "nl"
    extra = rng.choice(["en", "tr", "ar", "ber", "pap", "srn", "pl", "uk"])
    return f"nl;{extra}" if roll < 0.95 else extra


def volunteers(n: int, rng: random.Random = RNG, *, expiring_vogs: int = 2) -> list[dict[str, object]]:
    """Volunteer rows as in volunteers.csv (the web benchmark draws more of them with its own generator).

    Each volunteer's dates follow one another as the forms require: signed up, then the intake talk, then the VOG
    requested and issued, all on or before today. The first ``expiring_vogs`` volunteers with an issued VOG have
    one that stops counting within the coming two months, so that the coordinator sees VOGs to renew.
    """
    rows = []
    issued_so_far = 0
    for i in range(n):
        female = rng.random() < 0.65
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        young = rng.random() < 0.2
        age = rng.randint(17, 29) if young else rng.randint(30, 79)
        programmes = ["jong-ontmoet-oud"] if young and rng.random() < 0.7 else []
        programmes += rng.sample(["buddy", "digitaal", "bewegen", "cultuur", "buddy"], rng.randint(1, 2))
        state = rng.random()
        # The draws stay in the order of the first version of this script, so that the same people come out;
        # only what the dates mean changed (see _volunteer_dates).
        if state < 0.55:
            outcome, vog, requested, issue_wait = "geschikt", "afgegeven", rng.randint(40, 700), rng.randint(10, 30)
        elif state < 0.70:
            outcome, vog, requested, issue_wait = "geschikt", "aangevraagd", rng.randint(3, 25), None
        elif state < 0.75:
            outcome, vog, requested, issue_wait = "twijfel", "niet_aangevraagd", None, None
        elif state < 0.78:
            outcome, vog, requested, issue_wait = "niet_geschikt", "niet_aangevraagd", None, None
        else:
            outcome, vog, requested, issue_wait = "", "niet_aangevraagd", None, None
        row: dict[str, object] = {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower().replace(' ', '')}{i}@voorbeeld.nl",
            "phone": phone(rng),
            "age": age,
            "postcode": postcode(rng),
            "gender": "vrouw" if female else "man",
            "programmes": ";".join(sorted(set(programmes), key=PROGRAMMES.index)),
            "interests": pick(INTERESTS, 3, 7, rng),
            "languages": languages(rng),
            "availability": pick(SLOTS, 2, 6, rng),
            "max_distance_km": rng.choice([2, 3, 3, 5, 5, 8]),
            "capacity": rng.choice([1, 1, 1, 2, 2, 3]),
            "motivation": rng.choice(MOTIVATIONS),
            # One in four: the coalition invites people who feel lonely themselves to become buddies.
            "lonely_themselves": 1 if rng.random() < 0.25 else 0,
        }
        signup_draw = rng.randint(1, 800) if outcome else rng.randint(0, 20)
        intake_draw = rng.randint(5, 60) if outcome else 0
        expires_in_days = None
        if vog == "afgegeven":
            if issued_so_far < expiring_vogs:
                expires_in_days = 20 + 25 * issued_so_far  # 20, 45, ... days from today
            issued_so_far += 1
        row.update(_volunteer_dates(outcome, vog, signup_draw, intake_draw, requested, issue_wait, expires_in_days))
        row["intake_outcome"] = outcome
        row["vog_status"] = vog
        rows.append({key: row[key] for key in VOLUNTEER_COLUMNS})
    return rows


VOLUNTEER_COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "age",
    "postcode",
    "gender",
    "programmes",
    "interests",
    "languages",
    "availability",
    "max_distance_km",
    "capacity",
    "motivation",
    "lonely_themselves",
    "signed_up_days_ago",
    "intake_outcome",
    "intake_days_ago",
    "vog_status",
    "vog_requested_days_ago",
    "vog_issued_days_ago",
]

# A VOG counts for three years (SAMEN_VOG_VALID_YEARS); 1,095 days is three years without a 29 February.
VOG_VALID_DAYS = 3 * 365


def _volunteer_dates(
    outcome: str,
    vog: str,
    signup_draw: int,
    intake_draw: int,
    requested: int | None,
    issue_wait: int | None,
    expires_in_days: int | None = None,
) -> dict[str, object]:
    """A volunteer's dates in days ago: signed up >= intake talk >= VOG requested >= VOG issued >= 0 (today).

    The intake talk is 3 to 14 days after signing up, the VOG is requested on the day of the talk or up to 3 days
    later and issued 10 to 30 days after that. An issued VOG is at most 1,000 days old (it counts three years),
    unless ``expires_in_days`` asks for one that stops counting that many days from today.
    """
    to_intake = 3 + intake_draw % 12
    to_request = intake_draw % 4
    if vog == "afgegeven":
        assert requested is not None
        assert issue_wait is not None
        if expires_in_days is not None:
            issued = VOG_VALID_DAYS - expires_in_days
        else:
            # Sign-ups spread over the last 1,000 days; the latest, 50 days ago, leaves time for the VOG to come.
            issued = round(max(signup_draw, requested) * 1.25) - to_intake - to_request - issue_wait
        requested = issued + issue_wait
        intake = requested + to_request
    elif vog == "aangevraagd":
        assert requested is not None
        intake = requested + to_request
        issued = None
    elif outcome:
        intake, requested, issued = intake_draw, None, None
    else:
        return {
            "signed_up_days_ago": signup_draw,
            "intake_days_ago": "",
            "vog_requested_days_ago": "",
            "vog_issued_days_ago": "",
        }
    signed_up = intake + to_intake
    return {
        "signed_up_days_ago": signed_up,
        "intake_days_ago": intake,
        "vog_requested_days_ago": "" if requested is None else requested,
        "vog_issued_days_ago": "" if issued is None else issued,
    }


def residents(n: int, rng: random.Random = RNG) -> list[dict[str, object]]:
    """Resident rows as in residents.csv."""
    rows = []
    referrers = [a[0] for a in ACCOUNTS if a[2] == "referrer"]
    for _ in range(n):
        female = rng.random() < 0.6
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        programme = rng.choices(PROGRAMMES, weights=[50, 15, 15, 12, 8])[0]
        age = rng.randint(66, 94) if programme == "jong-ontmoet-oud" or rng.random() < 0.6 else rng.randint(19, 65)
        referred = rng.random() < 0.6
        rows.append(
            {
                "first_name": first,
                "last_name": last,
                "phone": phone(rng) if rng.random() < 0.5 else f"070 {rng.randint(1000000, 9999999)}",
                "age": age if programme == "jong-ontmoet-oud" or rng.random() < 0.5 else "",
                "postcode": postcode(rng),
                "address": f"{rng.choice(STREETS)} {rng.randint(1, 240)}" if rng.random() < 0.5 else "",
                "gender": "vrouw" if female else "man",
                "preferred_gender": "vrouw" if female and rng.random() < 0.25 else "",
                "programme": programme,
                "interests": pick(INTERESTS, 2, 6, rng),
                "languages": languages(rng),
                "availability": pick(SLOTS, 3, 9, rng),
                "max_distance_km": rng.choice(["", "", "", 2, 3]),
                "notes": rng.choice(NOTES),
                "referred_by": rng.choice(referrers) if referred else "",
                "reason": rng.choice(REFERRAL_REASONS)[0 if female else 1] if referred else "",
                "waiting_days": rng.randint(0, 240),
                # Most referred residents have had their intake talk; the others were referred recently (below).
                "intake_done": not referred or rng.random() < 0.8,
            }
        )
    # A few residents signed up long before the others: the demo's matches that have run for a year or two are
    # theirs (webapp/demo.py). Drawn after the rows, so that the rows above stay as they were.
    with_intake = [i for i, row in enumerate(rows) if row["intake_done"] and row["programme"] == "buddy"]
    chosen = rng.sample(with_intake, min(len(LONG_AGO), len(with_intake)))
    for index, (low, high) in zip(chosen, LONG_AGO, strict=False):
        rows[index]["waiting_days"] = rng.randint(low, high)
    for row in rows:
        if row.pop("intake_done"):
            row["intake_days_ago"] = _resident_intake(row)
        else:
            # Nobody has spoken to them yet: Welzijn Rijswijk calls a referral within a few weeks.
            row["waiting_days"] = int(str(row["waiting_days"])) % 21
            row["intake_days_ago"] = ""
    return rows


# The days ago that the residents who signed up long ago did so: one two years ago, two more than a year ago.
LONG_AGO = ((735, 760), (430, 480), (400, 440))


def _resident_intake(row: dict[str, object]) -> int:
    """When the intake talk was held, in days ago: a coordinator who takes a resident in by phone holds it on that
    day; with a referred resident it follows the referral by 1 to 10 days, and never lies in the future."""
    signed_up = int(str(row["waiting_days"]))
    if not row["referred_by"]:
        return signed_up
    return max(0, signed_up - (1 + signed_up % 10))


def write(name: str, rows: list[dict[str, object]]) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    write("organisations.csv", [{"name": n, "kind": k} for n, k in ORGANISATIONS])
    write(
        "accounts.csv",
        [{"email": e, "name": n, "role": r, "organisation": o, "password": p} for e, n, r, o, p in ACCOUNTS],
    )
    write("volunteers.csv", volunteers(60))
    write("residents.csv", residents(120))


if __name__ == "__main__":
    main()

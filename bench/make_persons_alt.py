#!/usr/bin/env python3
"""Independent generator of two French person files for record-linkage benchmarks.

This script is deliberately written apart from the project's own generator: it
shares no code and no data with it, so that the linkage can be checked on data
it was not tuned on.  It uses only the standard library and ``faker`` (fr_FR
locale, used once to draw pools of street names and generic first names); the
communes, birth places, generational first names, extra family names and every
noise model are embedded below.

Usage::

    uv run python bench/make_persons_alt.py --size 25000 [--size-b N] [--seed S] --out DIR [--check]

DIR receives four files (UTF-8, comma separated, header row):

``a.csv`` / ``b.csv``
    ``source_id,birth_name,usage_name,first_names,sex,birth_date,birth_place,
    address,postcode,city,phone,email,nir``.  A ids are ``a-000001``..., B ids
    ``b-000001``...; both files are shuffled before numbering, so neither the
    ids nor the row order say anything of the truth or of households.
``truth.csv``
    ``id_a,id_b``: every (A record, B record) pair that is the same person.  A
    B record matches one A record or none; B holds no duplicate of a person.
``lookalikes.csv``
    ``id_a,id_b,kind``: every deliberately generated pair of *different*
    people who look alike.  The B record is the look-alike, the A record its
    partner.  A look-alike may itself be a person of A (a twin, sibling,
    spouse, parent or namesake of the partner who is in A under another id):
    it is then listed in truth.csv with that other id, never with the partner.

Population (base A, ``--size`` people, default 25,000)
------------------------------------------------------
Generated household by household in ~96 real communes of Yvelines (78) and
Hauts-de-Seine (92), weighted by approximate population.  Household types:
single adult 30 %, couple without children 25 %, couple with children 28 %,
single parent 12 % (mother 85 %), couple with children and a grandparent 5 %.
Members share the address and the landline (45 % of households have one); 22 %
of multi-person households also share a family e-mail ("famille.martin@...").
Children (1-4, 2 % twin births) are born to mothers aged 18-38, those over 25
have left home; a child carries the father's name (or a double name
"Father-Mother", more often since 2005, or the mother's name); 3 % of children
get the first name(s) of their same-sex parent.  Married women (40-80 % of
couples depending on age) carry their husband's name as usage name.  Ages run
from 0 to ~99.  First names come from six generational lists per sex (born
before 1946, 1946-60, 1961-75, 1976-90, 1991-2005, 2006+), Zipf-weighted, with
10 % drawn from a neighbouring generation and 5 % from faker's generic pool;
1-3 first names, middle names taken from the grandparents' generation.  Family
names: 47 % from faker's 400 most frequent French names with Zipf weights
(Martin ~1 %), 10 % from an embedded list of regional, particle ("de La
Fontaine"), Breton ("Le Goff") and immigrant-origin names, 43 % from a long
tail of ~10,000 synthetic French-looking names; plus double names.  Birth
places: local commune, Paris arrondissement, other French cities (including
Corsica 2A/2B and overseas 97x) or abroad (99 + INSEE country code).  Every
person has a NIR (sex, YY, MM, département, commune, order, key = 97 -
(first 13 digits mod 97) with 2A->19, 2B->18), unique over the whole run.

Base A shows: usage name of married women 90 %, all first names 92 %, date ISO
(missing 0.3 %), birth place 85 %, phone 80 %, e-mail 65 %, NIR 30 % of adults
and 12 % of minors (~25 % overall); 8 % of A records are typed in upper case.
Minors' contact phone/e-mail are the household's or a parent's (A gives a
child's household phone 85 % of the time).

Base B (``--size-b`` records, default = size)
----------------------------------------------
* look-alikes: 5 % of B, split parent_child 30 %, namesake 25 %, twin 15 %,
  sibling 12 %, spouse 12 %, wrong_nir_other 6 %.  Part of them are existing
  members of A (twin 50 %, sibling 60 %, spouse 60 %, parent_child 35 %,
  namesake 30 %, when available); the others are new people created with the
  household's data (same address, landline...).  Definitions:
  - twin: same family name, birth date, birth place, address and household
    contacts, clearly different first name (sometimes the same second one);
    new twins are given to children under 16;
  - sibling: same family name, address and contacts, born 1-8 years apart;
  - spouse: wife's usage name = husband's name, same address and landline,
    sometimes the same e-mail, other sex and birth date;
  - parent_child: same family name (a mother's usage name) and the same first
    name(s), born 18-45 years apart, same address or at least same commune;
  - namesake: a frequent family name and first name, born 3-40 years apart,
    living in another commune;
  - wrong_nir_other: namesake born the same year (other day), elsewhere, both
    records carrying a valid and different NIR (the B record keeps its NIR).
* true matches: so that 40 % of A's people are in B (plain matches plus the
  look-alikes that are members of A);
* the rest: people only in B, generated by households too (75 % of each
  household's members), so they may be accidental namesakes of A people.

Every B record (match, look-alike or B-only) goes through the same re-typing:

* style: 75 % UPPER CASE without accents, 10 % accents stripped, 15 % as is;
* family names: particle dropped 50 % ("de La Fontaine" -> "LA FONTAINE") or
  glued 10 % ("DELAFONTAINE"), then spaces glued 30 % ("LAFONTAINE"), or
  turned into hyphens 5 %; hyphens -> space 40 %, removed 15 %,
  double name cut to its first part 10 %; phonetic spelling 3 % (PH/F,
  -AULT/-OT, EAU/O, Y/I, C/K, doubled consonants...); typo 3.5 % (AZERTY
  neighbour, deletion, insertion, transposition, OCR rn/m, l/I, cl/d);
* first names: only the first kept 35 % (when several), reordered 5 %,
  hyphen -> space 35 % / removed 10 %, typo 3 %, phonetic 1.5 %;
* married women: both names 45 %, usage name only (birth name empty) 25 %,
  spouse's name as birth name and no usage 10 %, spouse's name in both 5 %,
  usage dropped 15 %; 2 % of women over 20 without one gain a usage name;
* birth date DD/MM/YYYY: missing 1.5 %, year only (01/01/YYYY) 1 %,
  day/month swapped 2 % (when day <= 12), one digit wrong 1 %, 1-5 days off
  1 %, year digits transposed 0.5 %;
* sex: H/F 55 %, 1/2 35 %, empty 10 %; wrong sex 0.3 %;
* birth place shown 65 % ("PARIS", "PARIS 15", "PARIS 15E ARRONDISSEMENT");
* address: moved 10 % (40 % within the commune), complement dropped 50 %,
  street type abbreviated 25 % (av., bd, r...), postcode missing 2 %, city
  missing 1 %, "Saint" -> "St" 30 %;
* phone: missing 22 %, changed to a new mobile 8 %, otherwise the person's
  mobile or the household phone (landline, else a member's mobile; a child's
  record gives it 80 % of the time); formats "06 12 34 56 78",
  "0612345678", "+33612345678", "+33 6 12 34 56 78", "06.12.34.56.78";
* e-mail: missing 40 %, other domain 4 %, upper-cased (in upper-case records)
  30 %, capitalised 5 %;
* NIR shown 26 % of adults, 10 % of minors; of those: a household member's
  NIR (a parent's on a child's record 12 % of minors, the spouse's 1.5 % of
  adults: a valid NIR of someone else, 2-3 % of the NIRs shown), else typo 3 %
  (one digit changed or two swapped: the key no longer matches);
* dirty values: extra spaces 1 %, family name and first names swapped 0.5 %.

Everything is deterministic for (sizes, seed): a single ``random.Random`` and
a seeded faker used only to build pools.  ``cached(size_a, size_b, seed)``
returns ``bench/out/alt_{size_a}x{size_b}_seed{seed}``, generating it on first
use.  ``check(dir)`` (``--check``) verifies ids, truth, look-alikes and NIR keys.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import itertools
import random
import re
import shutil
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

HEADER = [
    "source_id",
    "birth_name",
    "usage_name",
    "first_names",
    "sex",
    "birth_date",
    "birth_place",
    "address",
    "postcode",
    "city",
    "phone",
    "email",
    "nir",
]
TODAY = dt.date(2025, 6, 30)  # fixed reference date: keeps runs reproducible
TODAY_ORD = TODAY.toordinal()
YEAR = 365.2425
DEFAULT_SEED = 1789
OUT_ROOT = Path(__file__).resolve().parent / "out"

MATCH_RATE = 0.40  # share of A's people present in B
LOOKALIKE_RATE = 0.05  # share of B made of deliberate look-alikes
LOOKALIKE_SHARES = {
    "parent_child": 0.30,
    "namesake": 0.25,
    "twin": 0.15,
    "sibling": 0.12,
    "spouse": 0.12,
    "wrong_nir_other": 0.06,
}
# Share of each kind taken from existing members of A (when available).
FROM_A_SHARE = {
    "parent_child": 0.35,
    "namesake": 0.30,
    "twin": 0.50,
    "sibling": 0.60,
    "spouse": 0.60,
    "wrong_nir_other": 0.0,
}

# --------------------------------------------------------------------------
# Embedded reference data
# --------------------------------------------------------------------------

# (name, département, INSEE commune number, postcode, population in thousands)
COMMUNES = [
    ("Boulogne-Billancourt", "92", "012", "92100", 121),
    ("Nanterre", "92", "050", "92000", 96),
    ("Asnières-sur-Seine", "92", "004", "92600", 87),
    ("Colombes", "92", "025", "92700", 86),
    ("Courbevoie", "92", "026", "92400", 82),
    ("Rueil-Malmaison", "92", "063", "92500", 78),
    ("Issy-les-Moulineaux", "92", "040", "92130", 68),
    ("Levallois-Perret", "92", "044", "92300", 66),
    ("Antony", "92", "002", "92160", 63),
    ("Clichy", "92", "024", "92110", 63),
    ("Neuilly-sur-Seine", "92", "051", "92200", 59),
    ("Clamart", "92", "023", "92140", 53),
    ("Montrouge", "92", "049", "92120", 50),
    ("Suresnes", "92", "073", "92150", 49),
    ("Gennevilliers", "92", "036", "92230", 48),
    ("Meudon", "92", "048", "92190", 46),
    ("Puteaux", "92", "062", "92800", 45),
    ("Bagneux", "92", "007", "92220", 41),
    ("Châtillon", "92", "020", "92320", 38),
    ("Châtenay-Malabry", "92", "019", "92290", 35),
    ("Malakoff", "92", "046", "92240", 31),
    ("Saint-Cloud", "92", "064", "92210", 30),
    ("Le Plessis-Robinson", "92", "060", "92350", 29),
    ("La Garenne-Colombes", "92", "035", "92250", 29),
    ("Bois-Colombes", "92", "009", "92270", 29),
    ("Vanves", "92", "075", "92170", 28),
    ("Villeneuve-la-Garenne", "92", "078", "92390", 25),
    ("Fontenay-aux-Roses", "92", "032", "92260", 24),
    ("Sèvres", "92", "072", "92310", 23),
    ("Bourg-la-Reine", "92", "014", "92340", 20),
    ("Chaville", "92", "022", "92370", 20),
    ("Sceaux", "92", "071", "92330", 20),
    ("Garches", "92", "033", "92380", 18),
    ("Ville-d'Avray", "92", "077", "92410", 11),
    ("Vaucresson", "92", "076", "92420", 9),
    ("Marnes-la-Coquette", "92", "047", "92430", 2),
    ("Versailles", "78", "646", "78000", 84),
    ("Sartrouville", "78", "586", "78500", 52),
    ("Saint-Germain-en-Laye", "78", "551", "78100", 46),
    ("Mantes-la-Jolie", "78", "361", "78200", 45),
    ("Poissy", "78", "498", "78300", 38),
    ("Conflans-Sainte-Honorine", "78", "172", "78700", 35),
    ("Montigny-le-Bretonneux", "78", "423", "78180", 33),
    ("Les Mureaux", "78", "440", "78130", 33),
    ("Houilles", "78", "311", "78800", 32),
    ("Trappes", "78", "621", "78190", 32),
    ("Plaisir", "78", "490", "78370", 31),
    ("Chatou", "78", "146", "78400", 31),
    ("Guyancourt", "78", "297", "78280", 30),
    ("Le Chesnay-Rocquencourt", "78", "158", "78150", 30),
    ("Rambouillet", "78", "517", "78120", 26),
    ("Élancourt", "78", "208", "78990", 25),
    ("Maisons-Laffitte", "78", "358", "78600", 23),
    ("Vélizy-Villacoublay", "78", "640", "78140", 22),
    ("Achères", "78", "005", "78260", 21),
    ("La Celle-Saint-Cloud", "78", "126", "78170", 21),
    ("Mantes-la-Ville", "78", "362", "78711", 20),
    ("Carrières-sous-Poissy", "78", "123", "78955", 19),
    ("Saint-Cyr-l'École", "78", "545", "78210", 19),
    ("Maurepas", "78", "383", "78310", 18),
    ("Les Clayes-sous-Bois", "78", "165", "78340", 17),
    ("Viroflay", "78", "686", "78220", 16),
    ("Le Pecq", "78", "481", "78230", 16),
    ("Verneuil-sur-Seine", "78", "642", "78480", 16),
    ("Limay", "78", "335", "78520", 16),
    ("Marly-le-Roi", "78", "372", "78160", 16),
    ("Le Vésinet", "78", "650", "78110", 15),
    ("Montesson", "78", "418", "78360", 15),
    ("Carrières-sur-Seine", "78", "124", "78420", 15),
    ("Bois-d'Arcy", "78", "073", "78390", 14),
    ("Fontenay-le-Fleury", "78", "242", "78330", 13),
    ("Andrésy", "78", "015", "78570", 13),
    ("Triel-sur-Seine", "78", "624", "78510", 12),
    ("Voisins-le-Bretonneux", "78", "688", "78960", 11),
    ("Aubergenville", "78", "029", "78410", 11),
    ("Croissy-sur-Seine", "78", "190", "78290", 10),
    ("Villepreux", "78", "674", "78450", 10),
    ("Vernouillet", "78", "643", "78540", 10),
    ("Magny-les-Hameaux", "78", "356", "78114", 9),
    ("Jouy-en-Josas", "78", "322", "78350", 8),
    ("Noisy-le-Roi", "78", "455", "78590", 8),
    ("Saint-Rémy-lès-Chevreuse", "78", "575", "78470", 8),
    ("Beynes", "78", "062", "78650", 7),
    ("Gargenville", "78", "267", "78440", 7),
    ("Épône", "78", "217", "78680", 7),
    ("Le Mesnil-Saint-Denis", "78", "397", "78320", 7),
    ("Les Essarts-le-Roi", "78", "220", "78690", 7),
    ("Buc", "78", "117", "78530", 6),
    ("Chambourcy", "78", "133", "78240", 6),
    ("Orgeval", "78", "466", "78630", 6),
    ("Chevreuse", "78", "160", "78460", 6),
    ("Saint-Arnoult-en-Yvelines", "78", "537", "78730", 6),
    ("Bonnières-sur-Seine", "78", "089", "78270", 5),
    ("Houdan", "78", "310", "78550", 4),
    ("Coignières", "78", "168", "78310", 4),
    ("Montfort-l'Amaury", "78", "420", "78490", 3),
]

# Other French birth places: (label, département, commune number, weight).
OTHER_FR = [
    ("Lyon", "69", "123", 6),
    ("Marseille", "13", "055", 6),
    ("Lille", "59", "350", 4),
    ("Toulouse", "31", "555", 3),
    ("Nantes", "44", "109", 3),
    ("Bordeaux", "33", "063", 3),
    ("Rennes", "35", "238", 2),
    ("Strasbourg", "67", "482", 2),
    ("Nice", "06", "088", 2),
    ("Montpellier", "34", "172", 2),
    ("Brest", "29", "019", 2),
    ("Rouen", "76", "540", 2),
    ("Orléans", "45", "234", 2),
    ("Le Mans", "72", "181", 2),
    ("Tours", "37", "261", 2),
    ("Reims", "51", "454", 2),
    ("Amiens", "80", "021", 2),
    ("Limoges", "87", "085", 1),
    ("Clermont-Ferrand", "63", "113", 2),
    ("Dijon", "21", "231", 1),
    ("Ajaccio", "2A", "004", 1),
    ("Bastia", "2B", "033", 1),
    ("Porto-Vecchio", "2A", "247", 1),
    ("Corte", "2B", "096", 1),
    ("Créteil", "94", "028", 3),
    ("Saint-Denis", "93", "066", 3),
    ("Argenteuil", "95", "018", 3),
    ("Évry", "91", "228", 2),
    ("Meaux", "77", "284", 2),
    ("Pointe-à-Pitre", "97", "120", 1),
    ("Fort-de-France", "97", "209", 1),
    ("Saint-Denis (La Réunion)", "97", "411", 1),
    ("Quimper", "29", "232", 1),
    ("Metz", "57", "463", 1),
    ("Nancy", "54", "395", 1),
    ("Caen", "14", "118", 1),
    ("Le Havre", "76", "351", 1),
    ("Grenoble", "38", "185", 2),
    ("Saint-Étienne", "42", "218", 1),
    ("Besançon", "25", "056", 1),
    ("Poitiers", "86", "194", 1),
    ("Chartres", "28", "085", 1),
    ("Beauvais", "60", "057", 1),
    ("Vannes", "56", "260", 1),
]
# Countries of birth: (label, INSEE country code after "99", weight).
ABROAD = [
    ("Algérie", "352", 8),
    ("Maroc", "350", 7),
    ("Portugal", "139", 6),
    ("Tunisie", "351", 4),
    ("Sénégal", "341", 3),
    ("Mali", "335", 3),
    ("Côte d'Ivoire", "326", 3),
    ("Italie", "127", 2),
    ("Espagne", "134", 2),
    ("Cameroun", "322", 2),
    ("Turquie", "208", 2),
    ("Chine", "216", 2),
    ("Roumanie", "114", 2),
    ("Congo (RDC)", "312", 2),
    ("Viêt Nam", "243", 1),
    ("Pologne", "122", 1),
    ("Haïti", "336", 1),
    ("Royaume-Uni", "132", 1),
    ("Belgique", "131", 1),
    ("Allemagne", "109", 1),
    ("Madagascar", "333", 1),
    ("Liban", "205", 1),
]

# Streets found in almost every commune (mixed with faker's random streets).
CLASSIC_STREETS = [
    "rue de la République",
    "avenue du Général de Gaulle",
    "rue Victor Hugo",
    "rue Jean Jaurès",
    "avenue Jean Jaurès",
    "rue Pasteur",
    "rue de Paris",
    "avenue de la Division Leclerc",
    "boulevard de la République",
    "rue Gambetta",
    "place de la Mairie",
    "rue de l'Église",
    "rue du Moulin",
    "allée des Tilleuls",
    "rue des Écoles",
    "avenue Foch",
    "rue Émile Zola",
    "rue Anatole France",
    "avenue du Maréchal Foch",
    "rue Carnot",
    "rue de la Gare",
    "rue du Château",
    "avenue de Verdun",
    "rue Voltaire",
    "rue Jules Ferry",
    "rue Gabriel Péri",
    "rue Paul Vaillant-Couturier",
    "rue Roger Salengro",
    "rue du 8 Mai 1945",
    "rue du 11 Novembre 1918",
    "rue Henri Barbusse",
    "avenue Pierre Brossolette",
    "impasse des Lilas",
    "chemin des Vignes",
    "rue des Peupliers",
    "avenue de la Paix",
    "rue Jean Moulin",
    "boulevard Jean Jaurès",
    "square Jean Moulin",
    "allée des Acacias",
    "rue des Rosiers",
    "résidence du Parc",
]
STREET_ABBREV = {
    "rue": ("r", "r."),
    "avenue": ("av", "av.", "ave"),
    "boulevard": ("bd", "bld", "bvd"),
    "place": ("pl", "pl."),
    "allée": ("all", "all."),
    "impasse": ("imp", "imp."),
    "chemin": ("ch", "chem."),
    "square": ("sq",),
    "résidence": ("res", "rés."),
}
RESIDENCES = [
    "les Tilleuls",
    "le Parc",
    "les Érables",
    "du Lac",
    "les Jardins",
    "la Roseraie",
    "les Hauts de Seine",
    "Bel Air",
    "les Coteaux",
    "la Fontaine",
]

# Generational first names, most popular first (per cohort of birth years).
COHORT_YEARS = [1946, 1961, 1976, 1991, 2006]  # cohort i = years before COHORT_YEARS[i]
MALE_COHORTS = [
    "Jean Pierre André René Louis Roger Marcel Robert Georges Henri Jacques Paul Maurice "
    "Raymond Joseph Lucien Fernand Claude Bernard Roland Albert Michel Guy Francis Charles "
    "Émile Gaston Marius Léon Edmond Gilbert Raymond",
    "Jean Michel Alain Philippe Bernard Daniel Gérard Jacques Patrick Christian Claude Serge "
    "Pierre Jean-Pierre Jean-Claude Jean-Louis Gilles Guy Dominique Didier Jean-Marie Francis "
    "Roland Yves Marc Jean-Paul Jean-Michel Joël André Denis Jean-Jacques Hervé",
    "Philippe Christophe Pascal Patrick Thierry Éric Laurent Frédéric Stéphane Olivier Didier "
    "Bruno Dominique Jean-Luc Jean-François Franck Pierre Alain Hervé Vincent Sylvain Lionel "
    "Jérôme Marc Emmanuel Fabrice Joël Régis Gilles Nicolas Serge Karim",
    "Nicolas Julien Sébastien Guillaume Jérôme Christophe Mathieu David Cédric Romain Anthony "
    "Alexandre Maxime Thomas Benjamin Vincent Kévin Jonathan Damien Ludovic Mickaël Yannick "
    "Florent Fabien Arnaud Grégory Jérémy Samuel Olivier Mohamed Karim Rachid Stéphane",
    "Thomas Nicolas Alexandre Maxime Quentin Kévin Antoine Hugo Lucas Théo Romain Clément Julien "
    "Valentin Florian Baptiste Mathieu Pierre Louis Benjamin Adrien Dylan Alexis Paul Corentin "
    "Enzo Mathis Yanis Axel Anthony Mehdi Mohamed Jordan Bilal",
    "Lucas Gabriel Léo Louis Raphaël Arthur Jules Adam Hugo Nathan Ethan Noah Paul Mohamed Sacha "
    "Maël Tom Timéo Enzo Nolan Théo Liam Aaron Gabin Mathis Rayan Eden Axel Martin Léon Isaac "
    "Ayden Noé Marius Victor Malo Tiago Yanis Naël Ibrahim Amir Sohan",
]
FEMALE_COHORTS = [
    "Marie Jeanne Marguerite Germaine Louise Yvonne Madeleine Suzanne Marcelle Denise Simone "
    "Paulette Andrée Odette Lucienne Renée Hélène Raymonde Colette Jacqueline Georgette Henriette "
    "Gisèle Lucie Marthe Yvette Berthe Juliette Solange Ginette Thérèse",
    "Monique Françoise Catherine Nicole Christiane Martine Jacqueline Danielle Sylvie Marie "
    "Chantal Annie Michèle Brigitte Josiane Nadine Évelyne Colette Marie-Claude Christine "
    "Dominique Joëlle Anne-Marie Marie-France Bernadette Claudine Élisabeth Francine Ghislaine "
    "Patricia Mireille Maryse",
    "Nathalie Isabelle Sylvie Catherine Christine Valérie Sandrine Véronique Patricia Martine "
    "Laurence Corinne Pascale Anne Brigitte Françoise Florence Marie Karine Stéphanie Carole "
    "Hélène Dominique Béatrice Murielle Virginie Agnès Frédérique Sophie Emmanuelle Fabienne Nadia",
    "Aurélie Céline Émilie Julie Stéphanie Sandrine Élodie Sophie Virginie Laetitia Caroline "
    "Audrey Mélanie Nathalie Karine Vanessa Sarah Anne Marie Delphine Jessica Amandine Claire "
    "Laure Alexandra Élise Charlotte Camille Fatima Samira Nadia",
    "Camille Manon Marine Laura Pauline Marie Julie Léa Sarah Océane Chloé Mathilde Anaïs Emma "
    "Clara Justine Morgane Lucie Marion Charlotte Inès Mélissa Alexia Émilie Juliette Margaux "
    "Élise Jade Lisa Yasmine Lina Fanny",
    "Emma Jade Louise Alice Chloé Léa Lina Rose Anna Mia Inès Ambre Julia Juliette Léna Manon Zoé "
    "Camille Lou Agathe Romane Léonie Jeanne Sarah Mila Nina Eva Iris Adèle Victoire Lucie "
    "Margaux Ava Sofia Alma Aya Maryam Fatoumata Assia Louna Clémence",
]
FAKER_FIRST_BLACKLIST = {
    "Alexandrie",
    "Alexandria",
    "Arnaude",
    "Nath",
    "Maggie",
    "Susan",
    "Margaret",
    "Lucy",
    "Olivie",
    "Lorraine",
    "Célina",
    "Margaud",
    "Susanne",
    "William",
    "Alex",
}

# Family names not (or not well) covered by faker's list.
EXTRA_SURNAMES = """Le Goff|Le Gall|Le Roux|Le Bihan|Le Floch|Le Corre|Le Guen|Le Bris|Kerbrat|Le Moal
|Tanguy|Le Meur|Le Berre|Le Du|Le Gac|de La Fontaine|de Villiers|de Saint-Exupéry|du Pont|de Lattre
|d'Arcy|d'Harcourt|de La Roche|de Montigny|Du Bois|de La Tour|des Champs|Le Clerc|La Salle|de Brye
|de Saint-Aubin|Da Costa|Dos Santos|Gonçalves|Fernandes|Lopes|Carvalho|Oliveira|Teixeira|Nguyen
|Tran|Pham|Chen|Wang|Zhang|Lin|Diallo|Traoré|Koné|Diop|Ndiaye|Sow|Ba|Camara|Cissé|Keita|Touré
|Coulibaly|Sylla|Benali|Haddad|Mansouri|Benmoussa|Belkacem|Bouzid|Cherif|Saidi|Hamidi|Brahimi
|Amrani|El Amrani|Ben Ahmed|Aït Ali|Yilmaz|Kaya|Demir|Öztürk|Cohen|Lévy|Benhamou|Azoulay|Sebag
|Kowalski|Nowak|Popescu|Ionescu|Rossi|Russo|Esposito|Ferrari|Romano|Gomez|Martins|Schmitt
|Meyer|Weber|Schneider|Klein|Wagner|Hoffmann|Fischer|Kieffer|Lemaître|Lévêque|Bénard|Thibault
|Arnault|Renault|Girault|Perrault|Thiébaut|Philippot|Pasquier|Raffin|Chauveau|Poirier|Tessier
|Jacquemin|Hébert|Delaunay|Pichon|Riviere|Lebrun|Couturier|Huguet|Maillard|Marchal""".replace("\n", "").split("|")

# Pieces for a long tail of synthetic but French-looking family names.
TAIL_ROOTS = (  # noqa: SIM905 - a word list reads better as one string
    "Bar Ber Bou Bri Cha Che Cla Dau Dela Dur Fa Fer Ga Gi Gui Jo La Lam Lan Ler Mal Mar Mas Mo Mon Pa Pel Per "
    "Pi Pou Ra Ri Ro Rou Sa Sau Ta Tes Thi Va Ve Vil Bo Be Co Cou De Do Fo Fra Gre Ja Lo Lu Ma Me Mi Mu Ne No "
    "Se So Tou Tre Vau Bel Cor Gar Mor"
).split()
TAIL_MIDS = ["", "l", "r", "n", "ss", "ch", "t", "v", "g", "d", "m", "rd", "nt", "st", "ll"]
TAIL_ENDS = "ier on eau et ot ard aud in el ault oux y ac ès ade eux our ant and ais elle ine al at ion ois".split()  # noqa: SIM905

EMAIL_DOMAINS = [
    ("gmail.com", 35),
    ("orange.fr", 15),
    ("hotmail.fr", 10),
    ("free.fr", 8),
    ("yahoo.fr", 7),
    ("sfr.fr", 5),
    ("laposte.net", 5),
    ("outlook.fr", 4),
    ("wanadoo.fr", 4),
    ("icloud.com", 3),
    ("hotmail.com", 2),
    ("live.fr", 2),
]

# --------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------


@lru_cache(maxsize=300_000)
def strip_accents(s: str) -> str:
    """Remove diacritics (é -> e, œ -> oe)."""
    if s.isascii():
        return s
    s = s.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


@lru_cache(maxsize=300_000)
def upper_plain(s: str) -> str:
    """Upper case without accents, as many administrative systems type names."""
    return strip_accents(s).upper()


@lru_cache(maxsize=300_000)
def slug(s: str) -> str:
    """Lower-case ASCII letters only (for e-mails and name comparisons)."""
    return "".join(c for c in strip_accents(s).lower() if "a" <= c <= "z")


def apply_style(s: str, style: str) -> str:
    if not s or style == "K":
        return s
    if style == "U":
        return upper_plain(s)
    return strip_accents(s)


def names_clash(a: str, b: str) -> bool:
    """True when two first names are too close to count as 'different' (Luca/Lucas)."""
    return a == b or a.startswith(b) or b.startswith(a)


def nir_key(body13: str) -> str:
    """Two-digit NIR key of the 13 first characters (Corsica 2A -> 19, 2B -> 18)."""
    n = int(body13.replace("2A", "19").replace("2B", "18"))
    return f"{97 - n % 97:02d}"


def nir_is_valid(nir: str) -> bool:
    if len(nir) != 15 or not nir[13:].isdigit():
        return False
    body = nir[:13].upper()
    if not body.replace("2A", "19").replace("2B", "18").isdigit():
        return False
    return nir_key(body) == nir[13:]


def _azerty_neighbours() -> dict[str, str]:
    rows = ["azertyuiop", "qsdfghjklm", "wxcvbn"]
    pos = {c: (r, i) for r, row in enumerate(rows) for i, c in enumerate(row)}
    out = {}
    for c, (r, i) in pos.items():
        near = []
        for rr in (r - 1, r, r + 1):
            if 0 <= rr < len(rows):
                for ii in (i - 1, i, i + 1):
                    if (rr, ii) != (r, i) and 0 <= ii < len(rows[rr]):
                        near.append(rows[rr][ii])
        out[c] = "".join(near)
    return out


AZERTY = _azerty_neighbours()
OCR = [("rn", "m"), ("m", "rn"), ("l", "I"), ("I", "l"), ("cl", "d"), ("nn", "m"), ("li", "h")]
# Phonetic respellings: (regex, replacement); one applicable rule is applied once.
PHONETIC = [
    (re.compile(p, re.IGNORECASE), r)
    for p, r in [
        ("ph", "f"),
        (r"ault\b", "ot"),
        (r"aud\b", "ot"),
        (r"ot\b", "ault"),
        ("eau", "o"),
        ("y", "i"),
        (r"(?<=[^aeiouy\W])i(?=[^aeiouy\W])", "y"),
        ("ck", "k"),
        ("qu", "k"),
        ("c(?=[aou])", "k"),
        ("th", "t"),
        ("ss", "s"),
        ("ll", "l"),
        ("tt", "t"),
        ("nn", "n"),
        ("mm", "m"),
        (r"(?<=[aeiou])s(?=[aeiou])", "z"),
        (r"ez\b", "et"),
        (r"et\b", "ez"),
        ("ai", "ei"),
        ("en", "an"),
        ("ç", "ss"),
        (r"x\b", ""),
        (r"d\b", "t"),
        ("é", "ai"),
    ]
]
PARTICLE = re.compile(r"^(de |du |des |d')", re.IGNORECASE)


class Picker:
    """Fast weighted choice (bisect on cumulative weights)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rnd):
        return self.items[bisect.bisect_right(self.cum, rnd() * self.total)]


def zipf(n: int, shift: float, power: float = 1.0) -> list[float]:
    return [1.0 / (i + shift) ** power for i in range(n)]


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------


class Household:
    __slots__ = ("address", "commune", "email", "landline", "members")

    def __init__(self, commune: int, address: str, landline: str):
        self.commune = commune
        self.address = address
        self.landline = landline
        self.email = ""
        self.members: list[Person] = []


class Person:
    __slots__ = (
        "a_id",
        "a_nir",
        "birth",
        "birth_name",
        "bplace",
        "email",
        "father",
        "firsts",
        "hh",
        "mobile",
        "mother",
        "nir",
        "pid",
        "role",
        "sex",
        "spouse",
        "usage_name",
    )

    def age(self) -> float:
        return (TODAY_ORD - self.birth) / YEAR


class World:
    """Holds the random generator, the pools and every person generated."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.rnd = self.rng.random
        self.persons: list[Person] = []
        self.used_phones: set[str] = set()
        self.used_emails: set[str] = set()
        self.used_nir: set[str] = set()
        self._build_pools(seed)

    # ---------------------------------------------------------------- pools
    def _build_pools(self, seed: int) -> None:
        import faker.providers.person.fr_FR as fr_person
        from faker import Faker

        fk = Faker("fr_FR")
        fk.seed_instance(seed)
        rng = self.rng
        # Streets: classic ones plus ~3,000 faker street names, a subset per commune.
        faker_streets = list(dict.fromkeys(fk.street_name() for _ in range(3500)))
        self.streets = []
        for _name, _dep, _code, _cp, pop in COMMUNES:
            n = 30 + 4 * pop
            own = rng.sample(CLASSIC_STREETS, 24) + rng.sample(faker_streets, n)
            self.streets.append(own)
        self.commune_pick = Picker(range(len(COMMUNES)), [c[4] for c in COMMUNES])

        # Family names: faker's frequency-ordered list (Zipf), extras, synthetic tail.
        top = list(dict.fromkeys(fr_person.Provider.last_names))
        self.surname_top = Picker(top, zipf(len(top), 10.0))
        self.frequent_surnames = {slug(s) for s in top[:40]}
        extra = [s for s in dict.fromkeys(EXTRA_SURNAMES) if s not in set(top)]
        self.surname_extra = extra
        known = {slug(s) for s in top + extra}
        tail = []
        for root in TAIL_ROOTS:
            for mid in TAIL_MIDS:
                for end in TAIL_ENDS:
                    if not mid and root[-1] in "aeiouy" and end[0] in "aeiouyè":
                        continue
                    if mid and len(mid) > 1 and root[-1] not in "aeiouy":
                        continue
                    name = root + mid + end
                    if slug(name) not in known:
                        known.add(slug(name))
                        tail.append(name)
        rng.shuffle(tail)
        tail = tail[:10_000]
        self.surname_tail = Picker(tail, zipf(len(tail), 30.0, 0.6))

        # First names per sex and cohort.
        self.first_cohorts = {}
        self.frequent_firsts = set()
        for sex, cohorts in (("M", MALE_COHORTS), ("F", FEMALE_COHORTS)):
            pickers = []
            for text in cohorts:
                names = list(dict.fromkeys(text.split()))
                pickers.append(Picker(names, zipf(len(names), 3.0, 0.9)))
                self.frequent_firsts.update(slug(n) for n in names[:10])
            self.first_cohorts[sex] = pickers
        self.frequent_firsts.update(("jean", "marie", "nicolas", "nathalie", "pierre", "michel"))
        self.first_generic = {
            "M": [n for n in dict.fromkeys(fr_person.Provider.first_names_male) if n not in FAKER_FIRST_BLACKLIST],
            "F": [n for n in dict.fromkeys(fr_person.Provider.first_names_female) if n not in FAKER_FIRST_BLACKLIST],
        }

        # Birth places: local communes, Paris arrondissements, other French places, abroad.
        self.bplaces = [(n, d, c) for n, d, c, _cp, _p in COMMUNES]
        self.paris0 = len(self.bplaces)
        for k in range(1, 21):
            self.bplaces.append((f"Paris {k}{'er' if k == 1 else 'e'}", "75", f"{100 + k:03d}"))
        other0 = len(self.bplaces)
        self.bplaces += [(n, d, c) for n, d, c, _w in OTHER_FR]
        abroad0 = len(self.bplaces)
        self.bplaces += [(n, "99", c) for n, c, _w in ABROAD]
        self.pick_other_fr = Picker(range(other0, abroad0), [w for *_x, w in OTHER_FR])
        self.pick_abroad = Picker(range(abroad0, len(self.bplaces)), [w for *_x, w in ABROAD])
        self.pick_domain = Picker([d for d, _w in EMAIL_DOMAINS], [w for _d, w in EMAIL_DOMAINS])

    # ------------------------------------------------------------ drawing
    def surname(self) -> str:
        r = self.rnd()
        if r < 0.47:
            return self.surname_top(self.rnd)
        if r < 0.57:
            return self.rng.choice(self.surname_extra)
        return self.surname_tail(self.rnd)

    def pick_first(self, sex: str, cohort: int) -> str:
        r = self.rnd()
        if r < 0.05:
            return self.rng.choice(self.first_generic[sex])
        if r < 0.17:
            cohort = min(5, max(0, cohort + (1 if self.rnd() < 0.5 else -1)))
        return self.first_cohorts[sex][cohort](self.rnd)

    def first_names(self, sex: str, birth: int, avoid=()) -> tuple[str, ...]:
        """1-3 first names; the first one clearly differs from those in `avoid` (slugs)."""
        rnd = self.rnd
        cohort = bisect.bisect_right(COHORT_YEARS, dt.date.fromordinal(birth).year)
        r = rnd()
        n = (1 if r < 0.30 else 2 if r < 0.70 else 3) if cohort <= 1 else (1 if r < 0.45 else 2 if r < 0.85 else 3)
        for _ in range(30):
            first = self.pick_first(sex, cohort)
            key = slug(first)
            if not any(names_clash(key, a) for a in avoid):
                break
        names = [first]
        while len(names) < n:
            r = rnd()
            if sex == "F" and r < 0.2:
                mid = "Marie"
            elif sex == "M" and r < 0.08:
                mid = "Jean"
            else:
                mid = self.pick_first(sex, max(0, cohort - 2))
            if mid not in names:
                names.append(mid)
            elif rnd() < 0.5:
                break
        return tuple(names)

    def first_names_from(self, first: str, sex: str, birth: int) -> tuple[str, ...]:
        """`first` followed by freshly drawn middle names (none repeating it)."""
        rest = self.first_names(sex, birth, {slug(first)})[1:]
        return (first, *[n for n in rest if slug(n) != slug(first)])

    def birth_between(self, lo: float, hi: float) -> int:
        """Birth date (ordinal) of someone aged between lo and hi years today."""
        return TODAY_ORD - int((lo + self.rnd() * (hi - lo)) * YEAR)

    def bplace(self, birth: int, home_commune: int) -> int:
        r = self.rnd()
        if TODAY_ORD - birth < 18 * YEAR:  # children: mostly born in local maternities
            if r < 0.68:
                return home_commune if self.rnd() < 0.5 else self.commune_pick(self.rnd)
            if r < 0.93:
                return self.paris0 + self.rng.randrange(20)
            return self.pick_other_fr(self.rnd) if r < 0.97 else self.pick_abroad(self.rnd)
        old = dt.date.fromordinal(birth).year < 1955
        if r < (0.18 if old else 0.28):
            return self.commune_pick(self.rnd)
        if r < (0.38 if old else 0.50):
            return self.paris0 + self.rng.randrange(20)
        if r < (0.82 if old else 0.80):
            return self.pick_other_fr(self.rnd)
        return self.pick_abroad(self.rnd)

    def phone(self, landline: bool) -> str:
        rng = self.rng
        while True:
            r = self.rnd()
            prefix = ("01" if r < 0.8 else "09") if landline else ("06" if r < 0.7 else "07")
            num = prefix + f"{rng.randrange(10**8):08d}"
            if num not in self.used_phones:
                self.used_phones.add(num)
                return num

    def personal_email(self, first: str, last: str, birth: int) -> str:
        rnd = self.rnd
        f, ln = slug(first) or "contact", slug(last) or "mail"
        r = rnd()
        if r < 0.35:
            local = f"{f}.{ln}"
        elif r < 0.50:
            local = f"{f}{ln}"
        elif r < 0.62:
            local = f"{f[0]}{ln}"
        elif r < 0.72:
            local = f"{f}_{ln}"
        elif r < 0.80:
            local = f"{ln}.{f}"
        elif r < 0.90:
            local = f"{f}.{ln}{dt.date.fromordinal(birth).year % 100:02d}"
        else:
            local = f"{f}{self.rng.randrange(10, 100)}"
        if rnd() < 0.3:
            local += str(self.rng.randrange(1, 100))
        return self._unique_email(local)

    def family_email(self, last: str, commune: int) -> str:
        ln = slug(last) or "famille"
        r = self.rnd()
        if r < 0.5:
            local = f"famille.{ln}"
        elif r < 0.7:
            local = f"{ln}.famille"
        elif r < 0.85:
            local = f"les{ln}{COMMUNES[commune][1]}"
        else:
            local = f"fam.{ln}"
        return self._unique_email(local)

    def _unique_email(self, local: str) -> str:
        email = f"{local}@{self.pick_domain(self.rnd)}"
        while email in self.used_emails:
            email = f"{local}{self.rng.randrange(1, 1000)}@{self.pick_domain(self.rnd)}"
        self.used_emails.add(email)
        return email

    def address(self, commune: int) -> str:
        rnd = self.rnd
        num = 1 + int(rnd() ** 2 * 140)
        bis = " bis" if rnd() < 0.03 else ""
        text = f"{num}{bis} {self.rng.choice(self.streets[commune])}"
        r = rnd()
        if r < 0.05:
            text += f", Bât. {'ABCDEF'[self.rng.randrange(6)]}"
        elif r < 0.09:
            text += f", Apt {self.rng.randrange(1, 80)}"
        elif r < 0.12:
            text += f", Résidence {self.rng.choice(RESIDENCES)}"
        return text

    def nir(self, sex: str, birth: int, bplace: int) -> str:
        d = dt.date.fromordinal(birth)
        _label, dep, code = self.bplaces[bplace]
        head = f"{'1' if sex == 'M' else '2'}{d.year % 100:02d}{d.month:02d}{dep}{code}"
        while True:  # the order number makes the NIR unique over the run
            body = f"{head}{self.rng.randrange(1, 1000):03d}"
            if body not in self.used_nir:
                self.used_nir.add(body)
                return body + nir_key(body)

    def new_household(self, commune: int | None = None, landline_p: float = 0.45) -> Household:
        if commune is None:
            commune = self.commune_pick(self.rnd)
        return Household(commune, self.address(commune), self.phone(True) if self.rnd() < landline_p else "")

    def person(
        self,
        hh: Household,
        sex: str,
        birth: int,
        birth_name: str,
        usage: str,
        role: str,
        firsts=None,
        avoid=(),
        bplace=None,
        father=None,
        mother=None,
    ) -> Person:
        """Create a person, with own mobile, e-mail and NIR, as a member of `hh`."""
        rnd = self.rnd
        p = Person()
        p.pid = len(self.persons)
        p.hh, p.sex, p.birth, p.role = hh, sex, birth, role
        p.birth_name, p.usage_name = birth_name, usage
        p.firsts = firsts or self.first_names(sex, birth, avoid)
        p.bplace = self.bplace(birth, hh.commune) if bplace is None else bplace
        p.father, p.mother, p.spouse = father, mother, None
        p.a_id, p.a_nir = None, False
        age = (TODAY_ORD - birth) / YEAR
        p.mobile = ""
        if age >= 15 and rnd() < (0.6 if age < 18 else 0.92 if age < 70 else 0.7):
            p.mobile = self.phone(False)
        p.email = ""
        if age >= 15 and rnd() < (0.35 if age < 18 else 0.82 if age < 70 else 0.5):
            last = usage if usage and rnd() < 0.6 else birth_name
            p.email = self.personal_email(p.firsts[0], last, birth)
        p.nir = self.nir(sex, birth, p.bplace)
        hh.members.append(p)
        self.persons.append(p)
        return p

    # ---------------------------------------------------------- households
    def household(self) -> list[Person]:
        """One household of a random type; returns its members."""
        rnd = self.rnd
        hh = self.new_household()
        r = rnd()
        if r < 0.30:  # single adult
            sex = "F" if rnd() < 0.55 else "M"
            r2 = rnd()
            if r2 < 0.40:
                birth = self.birth_between(19, 36)
            elif r2 < 0.75:
                birth = TODAY_ORD - int(self.rng.triangular(36, 66, 56) * YEAR)
            else:
                birth = TODAY_ORD - int(self.rng.triangular(60, 99, 70) * YEAR)
            usage = ""
            if sex == "F" and birth < TODAY_ORD - 45 * YEAR and rnd() < 0.5:
                usage = self.surname()  # widowed or divorced, kept the married name
            self.person(hh, sex, birth, self.surname(), usage, "single")
        elif r < 0.55:  # couple without children (young, or whose children have left)
            r2 = rnd()
            if r2 < 0.25:
                wife_b = self.birth_between(21, 36)
            elif r2 < 0.65:
                wife_b = TODAY_ORD - int(self.rng.triangular(36, 72, 60) * YEAR)
            else:
                wife_b = TODAY_ORD - int(self.rng.triangular(60, 95, 66) * YEAR)
            self.couple(hh, wife_b)
        elif r < 0.83:  # couple with children
            wife_b = TODAY_ORD - int(self.rng.triangular(23, 60, 42) * YEAR)
            husband, wife = self.couple(hh, wife_b)
            self.children(hh, wife, husband)
        elif r < 0.95:  # single parent (mother 85 %)
            birth = TODAY_ORD - int(self.rng.triangular(22, 56, 38) * YEAR)
            if rnd() < 0.85:
                father_name = self.surname() if rnd() < 0.7 else ""
                usage = father_name if father_name and rnd() < 0.4 else ""  # divorced
                mother = self.person(hh, "F", birth, self.surname(), usage, "head")
                self.children(hh, mother, None, father_name or mother.birth_name)
            else:
                father = self.person(hh, "M", birth, self.surname(), "", "head")
                self.children(hh, None, father)
        else:  # couple with children and a grandparent
            wife_b = TODAY_ORD - int(self.rng.triangular(28, 55, 42) * YEAR)
            husband, wife = self.couple(hh, wife_b)
            self.children(hh, wife, husband)
            if rnd() < 0.6:  # the husband's widowed mother
                gb = max(husband.birth - int(self.rng.uniform(20, 40) * YEAR), TODAY_ORD - int(99 * YEAR))
                gm = self.person(hh, "F", gb, self.surname(), husband.birth_name, "grandparent")
                husband.mother = gm
            else:  # the wife's father
                gb = max(wife.birth - int(self.rng.uniform(22, 40) * YEAR), TODAY_ORD - int(99 * YEAR))
                gf = self.person(hh, "M", gb, wife.birth_name, "", "grandparent")
                wife.father = gf
        if len(hh.members) >= 2 and rnd() < 0.22:
            head = hh.members[0]
            hh.email = self.family_email(head.usage_name or head.birth_name, hh.commune)
        return hh.members

    def couple(self, hh: Household, wife_birth: int) -> tuple[Person, Person]:
        rnd = self.rnd
        gap = max(-8.0, min(15.0, self.rng.gauss(2.5, 4.0)))
        husband_b = max(TODAY_ORD - int(99 * YEAR), min(TODAY_ORD - int(19 * YEAR), wife_birth - int(gap * YEAR)))
        wife_age = (TODAY_ORD - wife_birth) / YEAR
        married = rnd() < (0.8 if wife_age >= 55 else 0.6 if wife_age >= 35 else 0.4)
        husband = self.person(hh, "M", husband_b, self.surname(), "", "head")
        usage = husband.birth_name if married and rnd() < 0.95 else ""
        wife = self.person(hh, "F", wife_birth, self.surname(), usage, "partner")
        husband.spouse, wife.spouse = wife, husband
        return husband, wife

    def children(self, hh: Household, mother: Person | None, father: Person | None, name: str | None = None) -> None:
        """Add 1-4 children (born to a mother aged 18-38, spaced 1-6 years, 2 % twins)."""
        rnd, rng = self.rnd, self.rng
        parent = mother or father
        parent_age = parent.age()
        r = rnd()
        wanted = 1 if r < 0.38 else 2 if r < 0.78 else 3 if r < 0.94 else 4
        a0 = rng.uniform(20, 37)
        if a0 > parent_age:
            a0 = rng.uniform(18, max(18.5, parent_age))
        birth = parent.birth + int(a0 * YEAR)
        avoid: set[str] = set()
        count = 0
        married = mother is not None and father is not None and mother.usage_name == father.birth_name
        if name is None:
            # The family name is chosen once: all the siblings carry the same one.
            recent = dt.date.fromordinal(min(birth, TODAY_ORD)).year >= 2005
            r = rnd()
            double_p = (0.08 if married else 0.12) if recent else 0.01
            if father is None:
                name = mother.birth_name
            elif r < double_p and mother is not None:
                name = f"{father.birth_name}-{mother.birth_name}"
            elif mother is not None and r < double_p + (0.02 if married else 0.13):
                name = mother.birth_name
            else:
                name = father.birth_name
        while count < wanted and birth <= TODAY_ORD:
            twins = 2 if (rnd() < 0.02 and count < wanted) else 1
            twin_place = None  # twins are born in the same place
            for _ in range(twins):
                count += 1
                age = (TODAY_ORD - birth) / YEAR
                if age > 25 or (age > 21 and rnd() < 0.5):
                    continue  # grown-up child who has left home
                sex = "M" if rnd() < 0.512 else "F"
                same_sex_parent = father if sex == "M" else mother
                firsts = None
                if same_sex_parent is not None and rnd() < 0.03:
                    # named after the parent: all first names, or the first one only
                    firsts = (
                        same_sex_parent.firsts if rnd() < 0.6 else self.first_names_from(same_sex_parent.firsts[0], sex, birth)
                    )
                kid = self.person(
                    hh, sex, birth, name, "", "child", firsts, avoid, bplace=twin_place, father=father, mother=mother
                )
                avoid.add(slug(kid.firsts[0]))
                twin_place = kid.bplace
            birth += int(rng.uniform(1.2, 6.0) * YEAR)

    # ------------------------------------------------------- contact data
    @staticmethod
    def phones_of(p: Person) -> list[str]:
        """Contact phones in order of preference (a minor's are the household's).

        The household phone is the landline, or else the mobile of its first member
        who has one (often a parent): children, and adults without a mobile, are
        reached through it, so household members often share a phone number.
        """
        home = p.hh.landline
        if not home:
            home = next((m.mobile for m in p.hh.members if m.mobile), "")
        if TODAY_ORD - p.birth < 18 * YEAR and not (p.mobile and TODAY_ORD - p.birth > 15 * YEAR):
            cands = [home, p.mother.mobile if p.mother else "", p.father.mobile if p.father else ""]
        else:
            cands = [p.mobile, home]
        return list(dict.fromkeys(c for c in cands if c))

    @staticmethod
    def emails_of(p: Person) -> list[str]:
        if TODAY_ORD - p.birth < 18 * YEAR:
            cands = [p.email, p.hh.email, p.mother.email if p.mother else "", p.father.email if p.father else ""]
        else:
            cands = [p.email, p.hh.email]
        return list(dict.fromkeys(c for c in cands if c))


# --------------------------------------------------------------------------
# Output formatting: base A (light) and base B (re-typing noise)
# --------------------------------------------------------------------------


def fmt_phone_a(num: str, rnd) -> str:
    r = rnd()
    if r < 0.7:
        return " ".join(num[i : i + 2] for i in range(0, 10, 2))
    if r < 0.9:
        return num
    return ".".join(num[i : i + 2] for i in range(0, 10, 2))


def fmt_phone_b(num: str, rnd) -> str:
    r = rnd()
    if r < 0.30:
        return " ".join(num[i : i + 2] for i in range(0, 10, 2))
    if r < 0.65:
        return num
    if r < 0.85:
        return "+33" + num[1:]
    if r < 0.90:
        return "+33 " + num[1] + " " + " ".join(num[i : i + 2] for i in range(2, 10, 2))
    return ".".join(num[i : i + 2] for i in range(0, 10, 2))


class Typist:
    """Formats persons as records: `a_row` for base A, `b_row` for base B (noisy)."""

    def __init__(self, world: World):
        self.w = world
        self.rng = world.rng
        self.rnd = world.rnd
        self.stats: Counter = Counter()

    # ------------------------------------------------------------- base A
    def a_row(self, p: Person) -> list[str]:
        rnd, w = self.rnd, self.w
        style = "U" if rnd() < 0.08 else "K"
        usage = p.usage_name if p.usage_name and rnd() < 0.9 else ""
        firsts = ", ".join(p.firsts) if rnd() >= 0.08 else p.firsts[0]
        date = "" if rnd() < 0.003 else dt.date.fromordinal(p.birth).isoformat()
        place = w.bplaces[p.bplace][0] if rnd() < 0.85 else ""
        name, _dep, _code, cp, _pop = COMMUNES[p.hh.commune]
        minor = TODAY_ORD - p.birth < 18 * YEAR
        phones = w.phones_of(p)
        phone = ""
        if phones and rnd() < 0.80:
            first = 0.85 if minor else 0.7  # a child's record mostly gives the household phone
            phone = fmt_phone_a(phones[0] if len(phones) == 1 or rnd() < first else phones[1], rnd)
        emails = w.emails_of(p)
        email = ""
        if emails and rnd() < 0.65:
            email = emails[0] if len(emails) == 1 or rnd() < 0.75 else emails[1]
        nir = p.nir if rnd() < (0.12 if minor else 0.30) else ""
        p.a_nir = bool(nir)
        return [
            apply_style(p.birth_name, style),
            apply_style(usage, style),
            apply_style(firsts, style),
            p.sex,
            date,
            apply_style(place, style),
            apply_style(p.hh.address, style),
            cp,
            apply_style(name, style),
            phone,
            email,
            nir,
        ]

    # ------------------------------------------------------------- base B
    def typo(self, s: str) -> str:
        """One typing/OCR error: AZERTY neighbour, deletion, insertion, transposition, OCR."""
        rnd, rng = self.rnd, self.rng
        letters = [i for i, c in enumerate(s) if c.isalpha()]
        if len(letters) < 3:
            return s
        r = rnd()
        if r < 0.10:
            opts = [(a, b) for a, b in OCR if a in s]
            if opts:
                a, b = rng.choice(opts)
                i = s.find(a)
                return s[:i] + b + s[i + len(a) :]
            r = 0.2
        if r < 0.40:  # keyboard neighbour substitution
            i = rng.choice(letters)
            near = AZERTY.get(strip_accents(s[i]).lower())
            if not near:
                return s
            c = rng.choice(near)
            return s[:i] + (c.upper() if s[i].isupper() else c) + s[i + 1 :]
        if r < 0.65:  # deletion (rarely the first letter)
            i = rng.choice(letters[1:])
            return s[:i] + s[i + 1 :]
        if r < 0.80:  # insertion: doubled letter or neighbour key
            i = rng.choice(letters)
            c = s[i] if rnd() < 0.5 else (AZERTY.get(strip_accents(s[i]).lower()) or s[i])[0]
            if s[i].isupper():
                c = c.upper()
            return s[:i] + c + s[i:]
        pairs = [i for i in letters if i + 1 < len(s) and s[i + 1].isalpha() and s[i] != s[i + 1]]
        if not pairs:
            return s
        i = rng.choice(pairs)
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]

    def phonetic(self, s: str) -> str:
        opts = []
        for rx, rep in PHONETIC:
            m = rx.search(s)
            if m:
                opts.append((m, rep))
        if not opts:
            return s
        m, rep = self.rng.choice(opts)
        piece = m.group(0)
        if piece.isupper():
            rep = rep.upper()
        elif piece[:1].isupper():
            rep = rep.capitalize()
        return s[: m.start()] + rep + s[m.end() :]

    def family_name(self, s: str) -> str:
        rnd = self.rnd
        m = PARTICLE.match(s)
        if m:
            r = rnd()
            if r < 0.5:
                s = s[m.end() :]  # "de La Fontaine" -> "La Fontaine"
            elif r < 0.6:
                s = s.replace(" ", "").replace("'", "")  # "DELAFONTAINE", "DARCY"
        if " " in s:
            r = rnd()
            if r < 0.30:
                s = s.replace(" ", "")  # "La Fontaine" -> "LaFontaine"
            elif r < 0.35:
                s = s.replace(" ", "-")
        if "-" in s:
            r = rnd()
            parts = s.split("-")
            if r < 0.40:
                s = s.replace("-", " ")
            elif r < 0.55:
                s = s.replace("-", "")
            elif r < 0.65 and len(parts) == 2 and min(map(len, parts)) >= 3 and parts[0] not in ("Saint", "Sainte"):
                s = parts[0]  # double name cut to the first one
        if rnd() < 0.03:
            s = self.phonetic(s)
        if rnd() < 0.035:
            s = self.typo(s)
        return s

    def first_name(self, s: str, first: bool) -> str:
        rnd = self.rnd
        if "-" in s:
            r = rnd()
            if r < 0.35:
                s = s.replace("-", " ")
            elif r < 0.45:
                s = s.replace("-", "")
        if first:
            if rnd() < 0.015:
                s = self.phonetic(s)
            if rnd() < 0.03:
                s = self.typo(s)
        return s

    def birth_date(self, birth: int) -> str:
        rnd, rng = self.rnd, self.rng
        d = dt.date.fromordinal(birth)
        y, m, day = d.year, d.month, d.day
        r = rnd()
        if r < 0.015:
            return ""
        if r < 0.025:
            return f"01/01/{y}"
        if r < 0.045:
            if day <= 12 and day != m:
                day, m = m, day
        elif r < 0.055:  # one digit wrong
            for _ in range(6):
                digits = list(f"{day:02d}{m:02d}{y:04d}")
                i = rng.choice((0, 1, 2, 3, 6, 7))
                digits[i] = str((int(digits[i]) + rng.randrange(1, 10)) % 10)
                s = "".join(digits)
                try:
                    nd = dt.date(int(s[4:]), int(s[2:4]), int(s[:2]))
                except ValueError:
                    continue
                if nd <= TODAY:
                    y, m, day = nd.year, nd.month, nd.day
                    break
        elif r < 0.065:  # a few days off
            nd = dt.date.fromordinal(min(TODAY_ORD, birth + rng.choice((-1, 1)) * rng.randrange(1, 6)))
            y, m, day = nd.year, nd.month, nd.day
        elif r < 0.070:  # transposed digits in the year (1978 -> 1987)
            ys = f"{y:04d}"
            ny = int(ys[:2] + ys[3] + ys[2])  # unchanged when both digits are equal (1977)
            try:
                if dt.date(ny, m, day) <= TODAY:
                    y = ny
            except ValueError:  # 29 February of a non-leap year
                pass
        return f"{day:02d}/{m:02d}/{y:04d}"

    def b_row(self, p: Person, keep_nir: bool = False) -> list[str]:
        rnd, rng, w = self.rnd, self.rng, self.w
        st = self.stats
        r = rnd()
        style = "U" if r < 0.75 else "N" if r < 0.85 else "K"
        age = (TODAY_ORD - p.birth) / YEAR

        # -- names
        birth_name, usage = p.birth_name, p.usage_name
        if usage:
            r = rnd()
            if r < 0.45:
                pass
            elif r < 0.70:
                birth_name = ""
            elif r < 0.80:
                birth_name, usage = usage, ""
            elif r < 0.85:
                birth_name = usage
            else:
                usage = ""
        elif p.sex == "F" and age >= 20 and rnd() < 0.02:
            usage = p.spouse.birth_name if p.spouse is not None else w.surname()
            st["gained_usage_name"] += 1
        birth_name = self.family_name(birth_name) if birth_name else ""
        usage = self.family_name(usage) if usage else ""
        firsts = list(p.firsts)
        if len(firsts) > 1:
            r = rnd()
            if r < 0.35:
                firsts = firsts[:1]
            elif r < 0.40:
                firsts = firsts[1:] + firsts[:1]
        first_names = ", ".join(self.first_name(f, i == 0) for i, f in enumerate(firsts))

        # -- sex, date, place
        sex = p.sex
        if rnd() < 0.003:
            sex = "F" if sex == "M" else "M"
        r = rnd()
        sex = ("H" if sex == "M" else "F") if r < 0.55 else ("1" if sex == "M" else "2") if r < 0.90 else ""
        date = self.birth_date(p.birth)
        place = ""
        if rnd() < 0.65:
            place = w.bplaces[p.bplace][0]
            if place.startswith("Paris "):
                r = rnd()
                num = place[6:].rstrip("er").rstrip("e")
                place = "Paris" if r < 0.4 else f"Paris {num}" if r < 0.7 else f"{place} Arrondissement"

        # -- address
        commune, address = p.hh.commune, p.hh.address
        moved = rnd() < 0.10
        if moved:
            if rnd() >= 0.4:
                commune = w.commune_pick(rnd)
            address = w.address(commune)
        if ", " in address and rnd() < 0.5:
            address = address.split(", ")[0]
        if rnd() < 0.25:
            parts = address.split(" ", 2)
            if len(parts) == 3 and parts[1] in STREET_ABBREV:
                address = f"{parts[0]} {rng.choice(STREET_ABBREV[parts[1]])} {parts[2]}"
        city_name, _dep, _code, postcode, _pop = COMMUNES[commune]
        if rnd() < 0.02:
            postcode = ""
        city = ""
        if rnd() >= 0.01:
            city = city_name
            if "Saint" in city and rnd() < 0.3:
                city = city.replace("Sainte", "Ste").replace("Saint", "St")
            if style == "U" and rnd() < 0.5:
                city = city.replace("-", " ")

        # -- phone, e-mail
        phones = w.phones_of(p)
        if moved:
            phones = [x for x in phones if x != p.hh.landline]
        phone = ""
        r = rnd()
        if r < 0.22:
            pass  # not recorded
        elif r < 0.30:
            phone = w.phone(False)  # changed number
        elif phones:
            phone = phones[0] if len(phones) == 1 or rnd() < (0.8 if age < 18 else 0.65) else phones[1]
        if phone:
            phone = fmt_phone_b(phone, rnd)
        emails = w.emails_of(p)
        email = ""
        if emails and rnd() >= 0.40:
            email = emails[0] if len(emails) == 1 or rnd() < 0.75 else emails[1]
            if rnd() < 0.04:
                email = email.split("@")[0] + "@" + w.pick_domain(rnd)
            r = rnd()
            if style == "U" and r < 0.3:
                email = email.upper()
            elif r > 0.95:
                email = email[:1].upper() + email[1:]

        # -- NIR
        nir = ""
        minor = age < 18
        if keep_nir:
            nir = p.nir
        elif rnd() < (0.10 if minor else 0.26):
            nir = p.nir
            r = rnd()
            if r < (0.12 if minor else 0.015):
                holders = [x for x in ((p.mother, p.father) if minor else (p.spouse,)) if x is not None]
                if holders:
                    nir = rng.choice(holders).nir  # registered under a household member's number
                    st["nir_of_household_member"] += 1
            elif rnd() < 0.03:
                nir = self.nir_typo(nir)
                st["nir_typo"] += 1
        if nir:
            st["nir_shown"] += 1

        row = [
            apply_style(birth_name, style),
            apply_style(usage, style),
            apply_style(first_names, style),
            sex,
            date,
            apply_style(place, style),
            apply_style(address, style),
            postcode,
            apply_style(city, style),
            phone,
            email,
            nir,
        ]

        # -- dirty values
        if rnd() < 0.01:
            i = rng.choice((0, 2, 6, 8))
            if row[i]:
                v = row[i]
                r = rnd()
                row[i] = f" {v}" if r < 0.3 else f"{v} " if r < 0.6 else v.replace(" ", "  ", 1) if " " in v else f"{v}  "
                st["extra_spaces"] += 1
        if rnd() < 0.005:
            row[0], row[2] = row[2], row[0]
            st["name_first_swapped"] += 1
        return row

    def nir_typo(self, nir: str) -> str:
        rng = self.rng
        digits = [i for i, c in enumerate(nir) if c.isdigit()]
        if self.rnd() < 0.7:
            i = rng.choice(digits)
            return nir[:i] + str((int(nir[i]) + rng.randrange(1, 10)) % 10) + nir[i + 1 :]
        pairs = [i for i in digits if i + 1 in digits and nir[i] != nir[i + 1]]
        i = rng.choice(pairs)
        return nir[:i] + nir[i + 1] + nir[i] + nir[i + 2 :]


# --------------------------------------------------------------------------
# Look-alikes
# --------------------------------------------------------------------------


def largest_remainder(total: int, shares: dict[str, float]) -> dict[str, int]:
    raw = {k: total * v for k, v in shares.items()}
    out = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[: total - sum(out.values())]:
        out[k] += 1
    return out


def display_name(p: Person) -> str:
    return p.usage_name or p.birth_name


class LookalikeMaker:
    """Chooses look-alike pairs: the partner is a person of A, the look-alike goes to B."""

    def __init__(self, world: World, a_people: list[Person]):
        self.w = world
        self.rng = world.rng
        self.rnd = world.rnd
        self.a = a_people
        self.involved: set[int] = set()

    def lazy_shuffle(self, items):
        """Yield the items in random order, shuffling only as far as needed."""
        items = list(items)
        rng = self.rng
        for i in range(len(items)):
            j = rng.randrange(i, len(items))
            items[i], items[j] = items[j], items[i]
            yield items[i]

    def existing_pairs(self) -> dict[str, list[tuple[Person, Person]]]:
        """Pairs of A people that are look-alikes by construction of the households."""
        pairs: dict[str, list] = {k: [] for k in LOOKALIKE_SHARES}
        seen_hh = set()
        groups = defaultdict(list)
        for p in self.a:
            groups[(slug(display_name(p)), slug(p.firsts[0]), p.sex)].append(p)
            hh = p.hh
            if id(hh) in seen_hh:
                continue
            seen_hh.add(id(hh))
            members = [m for m in hh.members if m.a_id]
            kids = [m for m in members if m.role == "child"]
            for i, k1 in enumerate(kids):
                for k2 in kids[i + 1 :]:
                    if k1.birth == k2.birth and k1.birth_name == k2.birth_name:
                        pairs["twin"].append((k1, k2))
                    elif k1.birth_name == k2.birth_name and not names_clash(slug(k1.firsts[0]), slug(k2.firsts[0])):
                        pairs["sibling"].append((k1, k2))
                for parent in (k1.father, k1.mother):
                    if (
                        parent is not None
                        and parent.a_id
                        and parent.sex == k1.sex
                        and slug(parent.firsts[0]) == slug(k1.firsts[0])
                        and display_name(parent) == k1.birth_name
                    ):
                        pairs["parent_child"].append((parent, k1))
            for m in members:
                if m.sex == "M" and m.spouse is not None and m.spouse.a_id and m.spouse.usage_name == m.birth_name:
                    pairs["spouse"].append((m, m.spouse))
        for key, group in groups.items():
            if len(group) < 2 or key[0] not in self.w.frequent_surnames:
                continue
            for p1, p2 in zip(group[::2], group[1::2], strict=False):
                if abs(p1.birth - p2.birth) >= 3 * YEAR and p1.hh.commune != p2.hh.commune:
                    pairs["namesake"].append((p1, p2))
        return pairs

    def choose(self, n_look: int) -> list[tuple[Person, Person, str]]:
        """Return (partner in A, look-alike person, kind) triples."""
        quotas = largest_remainder(n_look, LOOKALIKE_SHARES)
        existing = self.existing_pairs()
        out = []
        a = self.a
        frequent = [
            p for p in a if slug(display_name(p)) in self.w.frequent_surnames and slug(p.firsts[0]) in self.w.frequent_firsts
        ]
        candidates = {
            "twin": [p for p in a if p.role == "child" and p.age() < 16],
            "sibling": [p for p in a if p.role == "child"],
            "spouse": [
                p for p in a if p.spouse is None and p.role != "child" and 20 <= p.age() <= 90 and (p.sex == "M" or p.usage_name)
            ],
            "parent_child": [p for p in a if p.age() >= 18 and p.role != "child"],
            "namesake": frequent,
            "wrong_nir_other": [p for p in frequent if p.a_nir],
        }
        fallback = {"namesake": a, "wrong_nir_other": [p for p in a if p.a_nir], "twin": candidates["sibling"]}
        for kind, quota in quotas.items():
            got = 0
            want_a = round(quota * FROM_A_SHARE[kind])
            for p, x in self.lazy_shuffle(existing[kind]):
                if got >= want_a:
                    break
                if p.pid in self.involved or x.pid in self.involved:
                    continue
                if self.rnd() < 0.5:
                    p, x = x, p  # either one can be the look-alike
                self.involved.update((p.pid, x.pid))
                out.append((p, x, kind))
                got += 1
            for pool in (candidates[kind], fallback.get(kind, ())):
                for p in self.lazy_shuffle(pool):
                    if got >= quota:
                        break
                    if p.pid in self.involved:
                        continue
                    x = getattr(self, "new_" + kind)(p)
                    if x is None:
                        continue
                    self.involved.add(p.pid)
                    out.append((p, x, kind))
                    got += 1
            if got < quota:
                print(f"warning: only {got}/{quota} look-alikes of kind {kind}", file=sys.stderr)
        return out

    # Each new_* builds a new person (not in A) looking like partner p, or returns None.
    def new_twin(self, p: Person) -> Person | None:
        w = self.w
        sex = p.sex if self.rnd() < 0.5 else ("F" if p.sex == "M" else "M")
        avoid = {slug(m.firsts[0]) for m in p.hh.members}
        firsts = w.first_names(sex, p.birth, avoid)
        if sex == p.sex and len(p.firsts) > 1 and self.rnd() < 0.4 and p.firsts[1] not in firsts:
            firsts = (firsts[0], p.firsts[1], *firsts[2:])  # shared second first name
        return w.person(p.hh, sex, p.birth, p.birth_name, "", "child", firsts, bplace=p.bplace, father=p.father, mother=p.mother)

    def new_sibling(self, p: Person) -> Person | None:
        w, rng = self.w, self.rng
        gap = int(rng.uniform(1.0, 8.0) * YEAR)
        births = [p.birth + gap, p.birth - gap]
        if self.rnd() < 0.5:
            births.reverse()
        floor = (p.mother.birth + int(17 * YEAR)) if p.mother else p.birth - int(10 * YEAR)
        for birth in births:
            if floor <= birth <= TODAY_ORD:
                sex = "M" if self.rnd() < 0.5 else "F"
                avoid = {slug(m.firsts[0]) for m in p.hh.members}
                return w.person(p.hh, sex, birth, p.birth_name, "", "child", avoid=avoid, father=p.father, mother=p.mother)
        return None

    def new_spouse(self, p: Person) -> Person | None:
        w, rng = self.w, self.rng
        gap = int(max(-8.0, min(15.0, rng.gauss(2.5, 4.0))) * YEAR)
        if p.sex == "M":  # a wife who took his name
            birth = min(p.birth + gap, TODAY_ORD - int(19 * YEAR))
            x = w.person(p.hh, "F", birth, w.surname(), p.birth_name, "partner")
        else:  # a husband whose name she carries
            birth = max(p.birth - gap, TODAY_ORD - int(99 * YEAR))
            x = w.person(p.hh, "M", birth, p.usage_name, "", "partner")
        if self.rnd() < 0.5:
            x.mobile = ""  # reached on the household phone
        if p.email and self.rnd() < 0.3:
            x.email = p.email  # shared couple address
        x.spouse = p
        return x

    def new_parent_child(self, p: Person) -> Person | None:
        w, rng, rnd = self.w, self.rng, self.rnd
        age = p.age()
        family = display_name(p)  # a married mother passes on her usage (husband's) name
        has_parent = (p.father if p.sex == "M" else p.mother) is not None
        can_parent = age <= 65 and not has_parent
        if age >= 18 and (not can_parent or rnd() < (0.65 if age >= 40 else 0.3)):
            # a child named like the parent p
            gap = rng.uniform(18, min(45.0, age))
            birth = min(TODAY_ORD, p.birth + int(gap * YEAR))
            firsts = p.firsts if rnd() < 0.65 else w.first_names_from(p.firsts[0], p.sex, birth)
            child_age = (TODAY_ORD - birth) / YEAR
            same_home = child_age < 25 or rnd() < 0.5
            hh = p.hh if same_home else w.new_household(p.hh.commune, 0.3)
            fa, mo = (p, p.spouse) if p.sex == "M" else (p.spouse, p)
            return w.person(hh, p.sex, birth, family, "", "child", firsts, father=fa, mother=mo)
        if can_parent:
            # a parent named like the child p (born 18-45 years before, aged at most 99)
            top = min(45.0, 99 - age)
            if top < 18:
                return None
            birth = p.birth - int(rng.uniform(18, top) * YEAR)
            firsts = p.firsts if rnd() < 0.65 else w.first_names_from(p.firsts[0], p.sex, birth)
            hh = p.hh if rnd() < 0.4 else w.new_household(p.hh.commune, 0.6)
            if p.sex == "M":
                x = w.person(hh, "M", birth, p.birth_name, "", "grandparent", firsts)
                p.father = x
            else:
                x = w.person(hh, "F", birth, w.surname(), p.birth_name, "grandparent", firsts)
                p.mother = x
            return x
        return None

    def _elsewhere(self, p: Person) -> Household:
        w = self.w
        commune = p.hh.commune
        while commune == p.hh.commune:
            commune = w.commune_pick(self.rnd)
        return w.new_household(commune, 0.35)

    def new_namesake(self, p: Person) -> Person | None:
        w, rng = self.w, self.rng
        min_age = 22 if p.usage_name else 0
        for _ in range(10):
            gap = int(rng.uniform(3, 40) * YEAR) * (1 if self.rnd() < 0.5 else -1)
            birth = p.birth + gap
            if TODAY_ORD - int(97 * YEAR) <= birth <= TODAY_ORD - int(min_age * YEAR):
                break
        else:
            return None
        firsts = w.first_names_from(p.firsts[0], p.sex, birth)
        birth_name, usage = (w.surname(), p.usage_name) if p.usage_name else (p.birth_name, "")
        return w.person(self._elsewhere(p), p.sex, birth, birth_name, usage, "single", firsts)

    def new_wrong_nir_other(self, p: Person) -> Person | None:
        w, rng = self.w, self.rng
        year = dt.date.fromordinal(p.birth).year
        start = dt.date(year, 1, 1).toordinal()
        end = min(dt.date(year, 12, 31).toordinal(), TODAY_ORD)
        birth = p.birth
        while birth == p.birth:
            birth = rng.randint(start, end)
        if p.usage_name and TODAY_ORD - birth < 20 * YEAR:
            return None
        firsts = w.first_names_from(p.firsts[0], p.sex, birth)
        birth_name, usage = (w.surname(), p.usage_name) if p.usage_name else (p.birth_name, "")
        return w.person(self._elsewhere(p), p.sex, birth, birth_name, usage, "single", firsts)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def generate(size_a: int, size_b: int, seed: int, out_dir: Path, quiet: bool = False) -> dict:
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = World(seed)
    rng = world.rng
    typist = Typist(world)

    # --- base A: households until `size_a` people (the last one may be cut short)
    a_people: list[Person] = []
    while len(a_people) < size_a:
        a_people.extend(world.household())
    del a_people[size_a:]
    rng.shuffle(a_people)
    a_rows = []
    for i, p in enumerate(a_people, 1):
        p.a_id = f"a-{i:06d}"
    for p in a_people:
        a_rows.append([p.a_id, *typist.a_row(p)])
    write_csv(out_dir / "a.csv", HEADER, a_rows)
    del a_rows

    # --- base B: look-alikes, true matches, people only in B
    n_look = round(size_b * LOOKALIKE_RATE)
    maker = LookalikeMaker(world, a_people)
    looks = maker.choose(n_look)
    n_look = len(looks)
    entries: list[tuple[Person, Person | None, str | None]] = [(x, p, kind) for p, x, kind in looks]
    look_in_a = sum(1 for _p, x, _k in looks if x.a_id)
    taken = {x.pid for _p, x, _k in looks}
    n_match = max(0, min(round(size_a * MATCH_RATE) - look_in_a, size_b - n_look))
    pool = [p for p in a_people if p.pid not in taken]
    n_match = min(n_match, len(pool))
    entries += [(p, None, None) for p in rng.sample(pool, n_match)]
    n_only = size_b - len(entries)
    only = 0
    while only < n_only:
        for m in world.household():
            if only < n_only and world.rnd() < 0.75:
                entries.append((m, None, None))
                only += 1
    rng.shuffle(entries)

    keep_nir = {x.pid for p, x, kind in looks if kind == "wrong_nir_other"}
    b_rows, truth, lookalikes = [], [], []
    for i, (x, partner, kind) in enumerate(entries, 1):
        bid = f"b-{i:06d}"
        b_rows.append([bid, *typist.b_row(x, x.pid in keep_nir)])
        if x.a_id:
            truth.append((x.a_id, bid))
        if partner is not None:
            lookalikes.append((partner.a_id, bid, kind))
    write_csv(out_dir / "b.csv", HEADER, b_rows)
    truth.sort()
    lookalikes.sort()
    write_csv(out_dir / "truth.csv", ["id_a", "id_b"], truth)
    write_csv(out_dir / "lookalikes.csv", ["id_a", "id_b", "kind"], lookalikes)

    kinds = Counter(k for _p, _x, k in looks)
    kinds_in_a = Counter(k for _p, x, k in looks if x.a_id)
    summary = {
        "a": size_a,
        "b": len(entries),
        "true_pairs": len(truth),
        "plain_matches": n_match,
        "lookalikes": n_look,
        "lookalikes_in_a": look_in_a,
        "b_only": len(entries) - len(truth),
        "kinds": {k: (kinds[k], kinds_in_a[k]) for k in LOOKALIKE_SHARES},
        "noise": dict(typist.stats),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if not quiet:
        kinds_txt = " ".join(f"{k}={n}({m} in A)" for k, (n, m) in summary["kinds"].items())
        print(
            f"alt persons: A={size_a} B={len(entries)} true_pairs={len(truth)} "
            f"lookalikes={n_look} [{kinds_txt}] b_only={summary['b_only']} "
            f"{summary['seconds']}s -> {out_dir}",
            file=sys.stderr,
        )
    return summary


def cached(size_a: int, size_b: int, seed: int = DEFAULT_SEED) -> Path:
    """Directory bench/out/alt_{size_a}x{size_b}_seed{seed}, generated on first use."""
    final = OUT_ROOT / f"alt_{size_a}x{size_b}_seed{seed}"
    if (final / "lookalikes.csv").exists():
        return final
    partial = final.with_name(final.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    generate(size_a, size_b, seed, partial)
    if final.exists():
        shutil.rmtree(final)
    partial.rename(final)
    return final


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _parse_date(s: str) -> dt.date | None:
    try:
        if "/" in s:
            d, m, y = s.split("/")
            return dt.date(int(y), int(m), int(d))
        return dt.date.fromisoformat(s) if s else None
    except ValueError:
        return None


def _nir_fits(nir: str, sex: str, date: dt.date | None) -> bool:
    """Does the NIR describe this sex and birth month (when known)?"""
    sex_digit = {"M": "1", "H": "1", "1": "1", "F": "2", "2": "2"}.get(sex)
    if sex_digit and nir[0] != sex_digit:
        return False
    return date is None or nir[1:5] == f"{date.year % 100:02d}{date.month:02d}"


def _phone_key(s: str) -> str:
    digits = "".join(c for c in s if c.isdigit())
    return "0" + digits[2:] if digits.startswith("33") else digits


def check(out_dir: Path) -> bool:
    """Verify the files of a run; print a report to stderr; return True when all is right."""
    out_dir = Path(out_dir)
    problems = []
    ha, a = _read(out_dir / "a.csv")
    hb, b = _read(out_dir / "b.csv")
    ht, truth = _read(out_dir / "truth.csv")
    hl, looks = _read(out_dir / "lookalikes.csv")
    if ha != HEADER or hb != HEADER or ht != ["id_a", "id_b"] or hl != ["id_a", "id_b", "kind"]:
        problems.append("bad header")
    a_by = {r[0]: r for r in a}
    b_by = {r[0]: r for r in b}
    if len(a_by) != len(a) or len(b_by) != len(b):
        problems.append("duplicate source_id")
    if any(len(r) != len(HEADER) for r in a + b):
        problems.append("row with a wrong number of fields")
    for ia, ib, *_ in truth + looks:
        if ia not in a_by or ib not in b_by:
            problems.append(f"unknown id in pair {ia},{ib}")
            break
    tb = Counter(ib for _ia, ib in truth)
    ta = Counter(ia for ia, _ib in truth)
    if tb and max(tb.values()) > 1:
        problems.append("a B record matches several A records")
    if ta and max(ta.values()) > 1:
        problems.append("an A record has several B records")
    truth_set = {(ia, ib) for ia, ib in truth}
    both = [(ia, ib) for ia, ib, _k in looks if (ia, ib) in truth_set]
    if both:
        problems.append(f"{len(both)} pairs both in truth and lookalikes")
    kinds = Counter(k for *_x, k in looks)
    if set(kinds) - set(LOOKALIKE_SHARES):
        problems.append(f"unknown kinds {set(kinds) - set(LOOKALIKE_SHARES)}")
    if len({ib for _ia, ib, _k in looks}) != len(looks):
        problems.append("a B record is the look-alike of two A records")

    # NIRs: every NIR of A is valid and describes its record; B: valid or typo.
    a_nirs = [r for r in a if r[12]]
    a_bad = [r for r in a_nirs if not nir_is_valid(r[12])]
    a_unfit = [r for r in a_nirs if not _nir_fits(r[12], r[4], _parse_date(r[5]))]
    if a_bad:
        problems.append(f"{len(a_bad)} invalid NIR keys in A")
    if a_unfit:
        problems.append(f"{len(a_unfit)} A NIRs do not describe their record")
    b_nirs = [r for r in b if r[12]]
    b_valid = [r for r in b_nirs if nir_is_valid(r[12])]
    b_unfit = [r for r in b_valid if not _nir_fits(r[12], r[4], _parse_date(r[5]))]
    if any(len(r[12]) != 15 for r in b_nirs):
        problems.append("B NIR of wrong length")
    nir_pairs = [(a_by[ia][12], b_by[ib][12]) for ia, ib in truth if a_by[ia][12] and nir_is_valid(b_by[ib][12])]
    same_nir = sum(1 for x, y in nir_pairs if x == y)
    look_nir_equal = sum(1 for ia, ib, _k in looks if a_by[ia][12] and a_by[ia][12] == b_by[ib][12])
    wrong_nir_ok = all(
        nir_is_valid(a_by[ia][12]) and nir_is_valid(b_by[ib][12]) and a_by[ia][12] != b_by[ib][12]
        for ia, ib, k in looks
        if k == "wrong_nir_other"
    )
    if not wrong_nir_ok:
        problems.append("a wrong_nir_other pair without two valid different NIRs")

    # Household data shared by look-alikes (on the raw fields).
    def family(r):
        return {slug(r[1]), slug(r[2])} - {""}

    per_kind = defaultdict(Counter)
    for ia, ib, k in looks:
        ra, rb = a_by[ia], b_by[ib]
        c = per_kind[k]
        c["n"] += 1
        c["same_family"] += bool(family(ra) & family(rb))
        fa = slug(ra[3].split(",")[0])
        fb = slug(rb[3].split(",")[0])
        c["same_first"] += fa == fb
        da, db = _parse_date(ra[5]), _parse_date(rb[5])
        c["same_date"] += da is not None and da == db
        c["same_postcode"] += ra[8] == rb[8]
        c["same_phone"] += bool(ra[10]) and _phone_key(ra[10]) == _phone_key(rb[10])
        c["same_email"] += bool(ra[11]) and ra[11].lower() == rb[11].lower()

    print(
        f"check {out_dir}: A={len(a)} B={len(b)} truth={len(truth)} lookalikes={len(looks)} "
        f"({len(looks) / max(1, len(b)):.1%} of B) {dict(kinds)}",
        file=sys.stderr,
    )
    print(
        f"  NIR A: {len(a_nirs)} shown ({len(a_nirs) / max(1, len(a)):.1%}), "
        f"{len(a_nirs) - len(a_bad)} valid; B: {len(b_nirs)} shown "
        f"({len(b_nirs) / max(1, len(b)):.1%}), {len(b_valid)} valid, "
        f"{len(b_nirs) - len(b_valid)} bad key, {len(b_unfit)} valid but not fitting the record; "
        f"true pairs with both NIRs: {len(nir_pairs)}, equal {same_nir}; "
        f"look-alike pairs with equal NIR: {look_nir_equal}",
        file=sys.stderr,
    )
    for k, c in per_kind.items():
        n = c["n"]
        print(
            f"  {k:16s} n={n:6d} same family {c['same_family'] / n:.0%}  same 1st name "
            f"{c['same_first'] / n:.0%}  same date {c['same_date'] / n:.0%}  "
            f"same postcode {c['same_postcode'] / n:.0%}  same phone {c['same_phone'] / n:.0%}  "
            f"same e-mail {c['same_email'] / n:.0%}",
            file=sys.stderr,
        )
    for msg in problems:
        print(f"  PROBLEM: {msg}", file=sys.stderr)
    if not problems:
        print("  all checks passed", file=sys.stderr)
    return not problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=25_000, help="people in base A")
    ap.add_argument("--size-b", type=int, default=None, help="records in base B (default: --size)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--check", action="store_true", help="verify the files after generation")
    args = ap.parse_args(argv)
    generate(args.size, args.size_b if args.size_b is not None else args.size, args.seed, args.out)
    if args.check:
        return 0 if check(args.out) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

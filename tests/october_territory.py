"""A small territory in October 2026 for the reports' « whole truth » (issue 15), built by hand:

- coverage starts with the September 2026 relevés (nothing before it is in the ledger);
- M-A (MO-X, Bâtir SA, 1 000 h, 01/01–31/12/2026) started before coverage with an opening
  balance of 400 h au 31/08/2026; M-B (MO-X, Bâtir SA, 200 h, 01/03/2026–28/02/2027) started
  before coverage without one;
- AI-NIORT (AI du Niortais) sends September and October on time;
- RECYC (La Recyclerie) sent September late (20/10/2026) and misses October; its tableau de suivi
  says P3 is in CDDI on M-B since 01/09/2026, ending 31/12/2026, with support and training.

Hours (counted, current):
    sha   structure  participant marché month  hours late
    s9a   AI-NIORT   P1          M-A    09     60    no
    s9r   RECYC      P3          M-B    09     30    yes (file of 20/10/2026)
    o1a   AI-NIORT   P1          M-A    10     70    no
    o1a   AI-NIORT   P2          M-B    10     10    no
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from clauses.registers.load import Registers
from clauses.siret import complete_siret

SIRET_A = complete_siret("1234567890001")
GENERATED = datetime(2026, 11, 11, 7, 0)
MONTH = "2026-10"


def _ts(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)), dtype="datetime64[us]")


def registers() -> Registers:
    return Registers(
        structures=pd.DataFrame({"code_structure": ["AI-NIORT", "RECYC"],
                                 "nom": ["AI du Niortais", "La Recyclerie"], "type": ["AI", "ACI"],
                                 "siret": [None] * 2, "email": [None] * 2}),
        buyers=pd.DataFrame({"code_mo": ["MO-X"], "nom": ["Ville de Niort"], "email": [None]}),
        companies=pd.DataFrame({"siret": [SIRET_A], "nom": ["Bâtir SA"], "email": [None]}),
        markets=pd.DataFrame({
            "code_marche": ["M-A", "M-B"], "intitule": ["École", "Voirie"],
            "code_mo": ["MO-X", "MO-X"], "siret": [SIRET_A, SIRET_A],
            "date_debut": _ts("2026-01-01", "2026-03-01"),
            "date_fin": _ts("2026-12-31", "2027-02-28"),
            "heures_objectif": [1000.0, 200.0],
            "heures_reprise": [400.0, None], "reprise_au": _ts("2026-08-31", None)}),
        participants=pd.DataFrame({
            "id_participant": ["P1", "P2", "P3"], "nom": ["DUPONT", "BENALI", "MARTIN"],
            "prenom": ["Jeanne", "Karim", "Léa"],
            "date_naissance": _ts("1980-02-03", "1999-07-14", "1968-12-25"),
            "sexe": ["F", "M", "F"], "commune": ["Niort"] * 3, "qpv": [True, False, False],
            "niveau_formation": ["3", "infra 3", "4"], "criteres": ["RSA", "JEUNE", "SENIOR"],
            "prescripteur": ["France Travail"] * 3,
            "date_prescription": _ts("2026-01-02", "2026-01-02", "2026-01-02"),
            "date_validation": _ts("2026-01-10", "2026-01-10", "2026-01-10"),
            "code_structure": ["AI-NIORT", "AI-NIORT", "RECYC"]}),
        decisions=pd.DataFrame(columns=["id_participant", "code_marche", "mois", "motif",
                                        "decision", "auteur", "date", "commentaire"]),
    )


# (sha256, structure, participant, marché, month, hours, start, end, contract, late)
HOURS = [
    ("s9a", "AI-NIORT", "P1", "M-A", "2026-09", 60.0, "2026-09-01", None, "CDDI", False),
    ("s9r", "RECYC", "P3", "M-B", "2026-09", 30.0, "2026-09-01", None, None, True),
    ("o1a", "AI-NIORT", "P1", "M-A", "2026-10", 70.0, "2026-09-01", "2026-10-31", "CDDI", False),
    ("o1a", "AI-NIORT", "P2", "M-B", "2026-10", 10.0, "2026-10-12", None, "CDDI", False),
]
# (sha256, structure, name, deposited, type, month, late)
FILES = [
    ("s9a", "AI-NIORT", "sept.xlsx", "2026-10-05 09:00", "relevé d'heures", "2026-09", False),
    ("s9r", "RECYC", "septembre.csv", "2026-10-20 14:00", "relevé d'heures", "2026-09", True),
    ("t1", "RECYC", "suivi.xlsx", "2026-10-20 14:05", "tableau de suivi", None, True),
    ("o1a", "AI-NIORT", "oct.xlsx", "2026-11-06 10:00", "relevé d'heures", "2026-10", False),
]


def hours() -> pd.DataFrame:
    rows = [{"sha256": s, "code_structure": c, "feuille": "Feuil1", "ligne": 2,
             "id_participant": p, "code_marche": m, "mois": mo, "heures": h,
             "date_debut_mission": pd.Timestamp(start), "date_fin_mission": pd.Timestamp(end),
             "type_contrat": contract, "entreprise": None, "poste": None, "statut": "acceptée",
             "motifs": "", "en_retard": late, "recu_le": pd.Timestamp("2026-11-06 10:00"),
             "actif": True}
            for s, c, p, m, mo, h, start, end, contract, late in HOURS]
    return pd.DataFrame(rows)


def files() -> pd.DataFrame:
    rows = [{"sha256": s, "code_structure": c, "nom_fichier": n, "chemin_archive": f"a/{s}",
             "taille": 1, "modifie_le": pd.Timestamp(d), "arrive_le": pd.Timestamp(d),
             "recu_le": pd.Timestamp(d), "type": t,
             "mois": m, "statut": "traité", "motif": None, "message": None, "en_retard": late,
             "lignes": 1, "acceptees": 1, "alertes": 0, "rejetees": 0}
            for s, c, n, d, t, m, late in FILES]
    return pd.DataFrame(rows)


def tracking() -> pd.DataFrame:
    """RECYC's tableau de suivi: P3 on M-B, CDDI, ending 31/12/2026, support and training."""
    return pd.DataFrame([{
        "sha256": "t1", "code_structure": "RECYC", "feuille": "Suivi", "ligne": 2,
        "id_participant": "P3", "nom": "MARTIN", "prenom": "Léa",
        "date_naissance": pd.Timestamp("1968-12-25"), "code_marche": "M-B",
        "date_debut_mission": pd.Timestamp("2026-09-01"),
        "date_fin_mission": pd.Timestamp("2026-12-31"), "type_contrat": "CDDI",
        "poste": "agent de tri", "date_sortie": pd.NaT, "situation_sortie": None,
        "freins": "mobilité", "accompagnement": "Suivi socio-professionnel (6 h); Aide au permis",
        "formation": "CACES R482 (35 h)", "recu_le": pd.Timestamp("2026-10-20 14:05"),
        "actif": True}])

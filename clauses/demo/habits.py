"""The demo's structures and the habits of each one's files (SPEC §5.3: real files are messy).

Every structure writes its relevés its own way, as in the field: title rows, header variants,
date, month and hour notations, file formats, late sending. The habits are data, so the whole
demo territory can be read here at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass

# Canonical column → label, in the order of the columns of the file.
Headers = dict[str, str]


@dataclass(frozen=True)
class Habits:
    code: str
    nom: str
    type: str  # vocabulary.StructureType
    share: float  # share of the participants followed by this structure
    sectors: tuple[str, ...]  # marché sectors it mostly places people in
    fmt: str  # "xlsx" | "xlsm" | "csv;" (Windows-1252) | "csv," (UTF-8 with BOM) | "ods"
    headers: Headers  # relevé columns; identity by "id_participant" or by name + birth date
    titles: tuple[str, ...] = ()  # rows above the header: {nom}, {periode} are filled in
    month_in: str = "column"  # "column" | "cell" (a « Période : … » title row) | "sheet"
    month_style: str = "iso"  # iso 2026-10 | slash 10/2026 | long octobre 2026 | short oct.-26
    #                           | date (Excel date of the 1st) | first (01/10/2026 as text)
    date_style: str = "excel"  # excel | dmy 03/10/2026 | short 3/10/26 | iso | dotted | mixed
    hours_style: str = "number"  # number | comma 7,5 | h (7h30, 35 h) | spaces (" 12 ", NBSP)
    names: str = "as-is"  # as-is | upper | messy (case, accents, double spaces)
    total: bool = False  # a « Total » line under the table
    notice: bool = False  # a notice sheet before the data
    left_margin: int = 0  # empty columns on the left
    tracking: str = "monthly"  # tableau de suivi: "monthly" | "quarterly" | "with-each"
    every: int = 1  # months per relevé file (2: one sheet per month, sent every other month)
    days: tuple[int, int] = (3, 10)  # usual drop days of the month after the period
    late: float = 0.0  # probability of sending on days 12–20 instead
    pieces: str = ""  # "" | "contrats" (PDF) | "evaluations" (.docx)
    releve_name: str = "releve_{yyyy}-{mm}"
    suivi_name: str = "suivi_{yyyy}-{mm}"
    contract: tuple[str, ...] = ("CDDI",)
    hours_base: tuple[float, ...] = (86.67, 104.0, 121.33)
    uppercase_tracking: bool = False
    company_as: str = ""  # how the Entreprise column names the company: "siret" | "nom"


_BTP = ("gros_oeuvre", "second_oeuvre", "tp")

HABITS: tuple[Habits, ...] = (
    Habits(
        "AI-NIORT", "AI Niort Insertion", "AI", 0.14, ("espaces_verts", "proprete", "second_oeuvre"),
        "xlsx",
        {"id_participant": "Identifiant", "nom": "Nom", "prenom": "Prénom",
         "code_marche": "Code marché", "date_debut_mission": "Date de début de mission",
         "heures": "Heures"},
        titles=("Relevé d'heures – {nom}", "Période : {periode}", ""),
        month_in="cell", month_style="long", total=True, pieces="contrats",
        releve_name="Relevé heures AI Niort Insertion - {Mois} {yyyy}",
        suivi_name="Tableau de suivi AI Niort - {mm}-{yyyy}",
        contract=("CDDI",), hours_base=(35.0, 52.0, 70.0, 86.67, 104.0),
    ),
    Habits(
        "AI-MARAIS", "Association Intermédiaire du Marais Poitevin", "AI", 0.08,
        ("espaces_verts", "proprete", "dechets"), "csv;",
        {"nom": "NOM", "prenom": "Prénom", "date_naissance": "Date de naissance",
         "code_marche": "Code marché", "date_debut_mission": "Date de début de mission",
         "heures": "Nb heures", "mois": "Mois"},
        month_style="slash", date_style="dmy", hours_style="comma", names="upper",
        releve_name="releve_{yyyy}{mm}", suivi_name="suivi_{yyyy}{mm}",
        contract=("CDDI",), hours_base=(35.0, 52.0, 70.0, 86.67),
    ),
    Habits(
        "ETTI-NIORT", "ETTI Niort Emploi Solidaire", "ETTI", 0.14, _BTP, "xlsx",
        {"nom": "Nom du salarié", "prenom": "Prénom", "date_naissance": "Date de naissance",
         "code_marche": "Marché", "entreprise": "Entreprise",
         "date_debut_mission": "Date de début de mission",
         "date_fin_mission": "Date de fin de mission", "type_contrat": "Type de contrat",
         "poste": "Poste", "heures": "Nombre d'heures réalisées", "mois": "Mois"},
        month_style="long", date_style="short", hours_style="h", pieces="evaluations",
        releve_name="{yyyy}/Releve_ETTI_{yyyy}-{mm}", suivi_name="{yyyy}/Suivi_ETTI_{yyyy}-{mm}",
        contract=("mission d'intérim",), hours_base=(104.0, 121.5, 130.0, 151.5),
        company_as="siret",
    ),
    Habits(
        "ETTI-SEVRE", "Sèvre Intérim Insertion", "ETTI", 0.11, (), "csv,",
        {"id_participant": "N° participant", "nom": "Nom", "prenom": "Prénom",
         "code_marche": "N° de marché", "entreprise": "Entreprise",
         "date_debut_mission": "Date de début de mission", "heures": "Heures",
         "mois": "Période"},
        month_style="iso", date_style="iso", hours_style="number", tracking="quarterly",
        days=(4, 11), late=0.15, releve_name="heures_{yyyy}-{mm}", suivi_name="suivi_T{q}_{yyyy}",
        contract=("mission d'intérim",), hours_base=(104.0, 121.33, 151.67),
        company_as="nom",
    ),
    Habits(
        "ETTI-CRECHE", "Tremplin Intérim La Crèche", "ETTI", 0.08, (), "xlsx",
        {"id_participant": "N° participant", "nom": "Nom", "prenom": "Prénom",
         "code_marche": "Code marché", "entreprise": "Entreprise",
         "date_debut_mission": "Date de début de mission",
         "date_fin_mission": "Date de fin de mission", "heures": "Heures"},
        titles=("Tremplin Intérim – relevé des heures d'insertion", "Mois : {slash}", ""),
        month_in="cell", date_style="mixed", hours_style="spaces", total=True, left_margin=1,
        releve_name="Tremplin - heures {mois} {yyyy}", suivi_name="Tremplin - suivi {mois} {yyyy}",
        contract=("mission d'intérim",), hours_base=(104.0, 121.33, 151.67),
        company_as="siret",
    ),
    Habits(
        "GEIQ-BTP79", "GEIQ BTP 79", "GEIQ", 0.08, _BTP, "ods",
        {"nom": "NOM", "prenom": "PRENOM", "date_naissance": "DATE DE NAISSANCE",
         "code_marche": "N° DE MARCHE", "date_debut_mission": "DATE DE DEBUT DE MISSION",
         "type_contrat": "TYPE DE CONTRAT", "heures": "HEURES", "mois": "PERIODE"},
        titles=("GEIQ BTP 79 – RELEVÉ MENSUEL DES HEURES D'INSERTION", ""),
        month_style="short", date_style="dotted", names="upper", tracking="quarterly",
        releve_name="RELEVE HEURES {mm}-{yyyy}", suivi_name="SUIVI SALARIES T{q} {yyyy}",
        contract=("contrat de professionnalisation", "contrat de professionnalisation",
                  "apprentissage"),
        hours_base=(121.33, 130.0, 151.67), uppercase_tracking=True,
    ),
    Habits(
        "GEIQ-PROPRETE", "GEIQ Propreté Nouvelle-Aquitaine", "GEIQ", 0.07, ("proprete",),
        "xlsm",
        {"id_participant": "Identifiant", "nom": "Nom", "prenom": "Prénom",
         "code_marche": "Code marché", "date_debut_mission": "Date de début de mission",
         "date_fin_mission": "Date de fin de mission", "heures": "Heures"},
        titles=("Relevé d'heures – {nom}", "Période : {periode}", ""),
        month_in="cell", month_style="long", hours_style="spaces", total=True, notice=True,
        releve_name="Releve_GEIQ_Proprete_{mois}_{yyyy}", suivi_name="Suivi_GEIQ_Proprete_{mm}_{yyyy}",
        contract=("contrat de professionnalisation",), hours_base=(104.0, 121.33, 151.67),
    ),
    Habits(
        "ETT-INTERIM79", "Intérim 79 Niort", "ETT", 0.12, (), "xlsx",
        {"id_participant": "N° participant", "nom": "Nom", "prenom": "Prénom",
         "code_marche": "Marché", "entreprise": "Entreprise",
         "date_debut_mission": "Date de début de mission", "type_contrat": "Type de contrat",
         "poste": "Poste", "heures": "Heures"},
        titles=("Intérim 79 – relevé mensuel des heures clauses", "Période : {periode}", ""),
        month_in="sheet", month_style="long", hours_style="h", tracking="with-each", every=2,
        days=(3, 8), releve_name="Interim79_releves_{mois}_{yyyy}",
        suivi_name="Interim79_suivi_{mois}_{yyyy}",
        contract=("mission d'intérim",), hours_base=(121.5, 130.0, 151.5),
        company_as="nom",
    ),
    Habits(
        "EI-ENVIRONNEMENT", "Niort Environnement Insertion", "EI", 0.10,
        ("espaces_verts", "dechets"), "xlsx",
        {"id_participant": "Identifiant", "nom": "Nom", "prenom": "Prénom",
         "code_marche": "Code marché", "date_debut_mission": "Date de début de mission",
         "heures": "Heures", "mois": "Mois"},
        titles=("",), month_style="date", left_margin=1, tracking="quarterly",
        releve_name="heures_{yyyy}_{mm}", suivi_name="suivi_trimestre_{q}_{yyyy}",
        contract=("CDDI",), hours_base=(86.67, 104.0, 121.33),
    ),
    Habits(
        "EI-RECYCLERIE", "La Recyclerie du Niortais", "EI", 0.08, ("dechets", "proprete"),
        "csv;",
        {"nom": "Nom", "prenom": "Prénom", "date_naissance": "Date de naissance",
         "code_marche": "Code marché", "date_debut_mission": "Date de début de mission",
         "heures": "Heures", "mois": "Mois"},
        titles=("{nom} – heures d'insertion", ""),
        month_style="first", date_style="dmy", hours_style="h", names="messy",
        days=(6, 10), late=0.45, releve_name="Recyclerie releve {mm}-{yyyy}",
        suivi_name="Recyclerie suivi {mm}-{yyyy}",
        contract=("CDDI",), hours_base=(70.0, 86.5, 104.0),
    ),
)

# A folder nobody registered: a chantier d'insertion that started sending before the guichet
# added it to the Structures register (STRUCTURE_INCONNUE).
UNKNOWN_STRUCTURE = "ACI-SEVRE"

# Tracking-table columns (SPEC §5.2) after the identity columns and the marché code.
TRACKING_COLUMNS: Headers = {
    "date_debut_mission": "Date de début",
    "type_contrat": "Type de contrat",
    "date_fin_mission": "Date de fin",
    "poste": "Poste",
    "date_sortie": "Date de sortie",
    "situation_sortie": "Situation à la sortie",
    "freins": "Freins",
    "accompagnement": "Accompagnement",
    "formation": "Formation",
}

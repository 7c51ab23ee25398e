"""Alembic owns the ledger's schema: new ledgers are created by the revisions, ledgers made by the
pre-Alembic code are adopted with their data, a ledger at the head opens without migrating.

Every test runs on SQLite and on PostgreSQL (the session's throwaway cluster, or
CLAUSES_TEST_POSTGRES_URL; emptied before and after each test).
"""

from __future__ import annotations

import shutil
import threading
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from clauses.errors import ClausesError
from clauses.ledger import FileRecord, Ledger, migrations
from clauses.ledger.tables import METADATA

HEAD = "0008_participant_month"
OLD_TABLES = {"fichiers", "heures", "suivi", "envois"}  # what the pre-Alembic code created
LEDGER_TABLES = OLD_TABLES | {"editions", "fichiers_mois", "registres", "courriels", "verrous"}

# The DDL the pre-Alembic code (`METADATA.create_all`, its « migration 1 ») ran, frozen here as
# SQLAlchemy 2.1 compiled it; {serial} and {timestamp} are the two words that differ by dialect.
OLD_DDL = """
CREATE TABLE schema_version (id INTEGER NOT NULL, version INTEGER NOT NULL,
    applied_at {timestamp} NOT NULL, PRIMARY KEY (id));
CREATE TABLE fichiers (id {serial} NOT NULL, sha256 VARCHAR(64) NOT NULL,
    code_structure VARCHAR NOT NULL, nom_fichier VARCHAR NOT NULL, chemin_archive VARCHAR NOT NULL,
    taille BIGINT NOT NULL, modifie_le {timestamp} NOT NULL, recu_le {timestamp} NOT NULL,
    type VARCHAR, mois VARCHAR(7), statut VARCHAR NOT NULL, motif VARCHAR, message VARCHAR,
    en_retard BOOLEAN NOT NULL, lignes INTEGER NOT NULL, acceptees INTEGER NOT NULL,
    alertes INTEGER NOT NULL, rejetees INTEGER NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_fichiers_sha256 ON fichiers (sha256);
CREATE INDEX ix_fichiers_mois ON fichiers (mois);
CREATE TABLE heures (id {serial} NOT NULL, fichier_id INTEGER NOT NULL,
    sha256 VARCHAR(64) NOT NULL, code_structure VARCHAR NOT NULL, feuille VARCHAR NOT NULL,
    ligne INTEGER NOT NULL, id_participant VARCHAR, code_marche VARCHAR, mois VARCHAR(7),
    heures FLOAT, date_debut_mission DATE, date_fin_mission DATE, type_contrat VARCHAR,
    entreprise VARCHAR, poste VARCHAR, statut VARCHAR NOT NULL, motifs VARCHAR,
    explications VARCHAR, decision VARCHAR, en_retard BOOLEAN NOT NULL,
    recu_le {timestamp} NOT NULL, actif BOOLEAN NOT NULL, PRIMARY KEY (id),
    FOREIGN KEY(fichier_id) REFERENCES fichiers (id));
CREATE INDEX ix_heures_structure_mois_actif ON heures (code_structure, mois, actif);
CREATE INDEX ix_heures_mois_actif ON heures (mois, actif);
CREATE TABLE suivi (id {serial} NOT NULL, fichier_id INTEGER NOT NULL,
    sha256 VARCHAR(64) NOT NULL, code_structure VARCHAR NOT NULL, feuille VARCHAR NOT NULL,
    ligne INTEGER NOT NULL, id_participant VARCHAR, nom VARCHAR, prenom VARCHAR,
    date_naissance DATE, code_marche VARCHAR, date_debut_mission DATE, date_fin_mission DATE,
    type_contrat VARCHAR, poste VARCHAR, date_sortie DATE, situation_sortie VARCHAR, freins VARCHAR,
    accompagnement VARCHAR, formation VARCHAR, recu_le {timestamp} NOT NULL,
    actif BOOLEAN NOT NULL, PRIMARY KEY (id), FOREIGN KEY(fichier_id) REFERENCES fichiers (id));
CREATE INDEX ix_suivi_structure_actif ON suivi (code_structure, actif);
CREATE TABLE envois (id {serial} NOT NULL, "key" VARCHAR NOT NULL, recipient VARCHAR NOT NULL,
    subject VARCHAR NOT NULL, attachment VARCHAR, status VARCHAR NOT NULL,
    attempts INTEGER NOT NULL, error VARCHAR, at {timestamp} NOT NULL, PRIMARY KEY (id));
"""

# A little of everything the old code wrote: two files (one superseded line), tracking, a send.
OLD_DATA = """
INSERT INTO fichiers (sha256, code_structure, nom_fichier, chemin_archive, taille, modifie_le,
    recu_le, type, mois, statut, motif, message, en_retard, lignes, acceptees, alertes, rejetees)
    VALUES ('aaaa', 'AI-NIORT', 'releve-octobre.xlsx', 'archive/aa/aaaa.xlsx', 12345,
    '2026-11-05 08:30:00', '2026-11-05 09:30:00', 'relevé d''heures', '2026-10', 'traité', NULL,
    NULL, FALSE, 2, 1, 0, 1);
INSERT INTO fichiers (sha256, code_structure, nom_fichier, chemin_archive, taille, modifie_le,
    recu_le, type, mois, statut, motif, message, en_retard, lignes, acceptees, alertes, rejetees)
    VALUES ('bbbb', 'AI-NIORT', 'releve-octobre-v2.xlsx', 'archive/bb/bbbb.xlsx', 12400,
    '2026-11-12 10:00:00', '2026-11-12 10:05:00', 'relevé d''heures', '2026-10', 'traité', NULL,
    NULL, TRUE, 1, 1, 0, 0);
INSERT INTO heures (fichier_id, sha256, code_structure, feuille, ligne, id_participant,
    code_marche, mois, heures, date_debut_mission, date_fin_mission, type_contrat, entreprise,
    poste, statut, motifs, explications, decision, en_retard, recu_le, actif)
    VALUES (1, 'aaaa', 'AI-NIORT', 'Relevé', 5, 'P001', 'M01', '2026-10', 35.5, '2026-09-01', NULL,
    'CDDI', 'BTP Niort', 'Maçon', 'acceptée', '', '', NULL, FALSE, '2026-11-05 09:30:00', FALSE);
INSERT INTO heures (fichier_id, sha256, code_structure, feuille, ligne, id_participant,
    code_marche, mois, heures, date_debut_mission, date_fin_mission, type_contrat, entreprise,
    poste, statut, motifs, explications, decision, en_retard, recu_le, actif)
    VALUES (1, 'aaaa', 'AI-NIORT', 'Relevé', 6, NULL, 'M01', NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, 'rejetée', 'MOIS_ILLISIBLE', 'Le mois est illisible.', NULL, FALSE,
    '2026-11-05 09:30:00', FALSE);
INSERT INTO heures (fichier_id, sha256, code_structure, feuille, ligne, id_participant,
    code_marche, mois, heures, date_debut_mission, date_fin_mission, type_contrat, entreprise,
    poste, statut, motifs, explications, decision, en_retard, recu_le, actif)
    VALUES (2, 'bbbb', 'AI-NIORT', 'Relevé', 5, 'P001', 'M01', '2026-10', 36.0, '2026-09-01',
    '2026-12-31', 'CDDI', 'BTP Niort', 'Maçon', 'acceptée', '', '', 'validée', TRUE,
    '2026-11-12 10:05:00', TRUE);
INSERT INTO suivi (fichier_id, sha256, code_structure, feuille, ligne, id_participant, nom,
    prenom, date_naissance, code_marche, date_debut_mission, date_fin_mission, type_contrat, poste,
    date_sortie, situation_sortie, freins, accompagnement, formation, recu_le, actif)
    VALUES (2, 'bbbb', 'AI-NIORT', 'Suivi', 2, 'P001', 'Martin', 'Léa', '1990-04-02', 'M01',
    '2026-09-01', NULL, 'CDDI', 'Maçon', NULL, NULL, 'mobilité;logement', NULL, NULL,
    '2026-11-12 10:05:00', TRUE);
INSERT INTO envois ("key", recipient, subject, attachment, status, attempts, error, at)
    VALUES ('bilan:2026-10:AI-NIORT', 'contact@ai-niort.fr', 'Bilan d''octobre', 'bilan.xlsx',
    'envoyé', 1, NULL, '2026-11-15 08:00:00');
INSERT INTO schema_version (id, version, applied_at) VALUES (1, 1, '2026-11-05 09:00:00');
"""



def _execute(url: str, script: str) -> None:
    engine = sa.create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    words = {
        "serial": "SERIAL" if postgres else "INTEGER",
        "timestamp": "TIMESTAMP WITHOUT TIME ZONE" if postgres else "DATETIME",
    }
    with engine.begin() as connection:
        # Statements end a line; a `;` inside a value (freins) does not.
        for statement in script.format(**words).split(";\n"):
            if statement.strip():
                connection.exec_driver_sql(statement)
    engine.dispose()


def _old_ledger(url: str, version: int = 1, data: bool = True) -> None:
    """A database exactly as the pre-Alembic code left it, with data."""
    _execute(url, OLD_DDL + (OLD_DATA if data else ""))
    if not data:
        _execute(url, f"INSERT INTO schema_version VALUES (1, {version}, '2026-11-05 09:00:00')")
    elif version != 1:
        _execute(url, f"UPDATE schema_version SET version = {version}")


def _contents(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        contents = {
            table: [
                tuple(row)
                for row in connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")
            ]
            for table in sorted(OLD_TABLES)
        }
    engine.dispose()
    return contents


def _tables_and_revision(url: str) -> tuple[set[str], str | None]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return tables, revision


# --- new ledgers ----------------------------------------------------------------------------------


def test_new_ledger_is_created_at_the_head_revision(url: str) -> None:
    with Ledger(url) as ledger:
        assert ledger.version == ledger.schema_version == HEAD
    assert _tables_and_revision(url) == (LEDGER_TABLES | {"alembic_version"}, HEAD)


def test_code_has_a_single_head_revision() -> None:
    assert migrations.head() == HEAD


def test_table_declarations_match_the_revisions(url: str) -> None:
    # `tables.py` is what the code queries, the revisions are what the database holds: a change
    # to one without the other is caught here.
    Ledger(url).close()
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), METADATA)
    engine.dispose()
    assert differences == []


def test_reopening_a_ledger_at_the_head_keeps_its_data_without_migrating(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Ledger(url) as first:
        first.record_file(_record("c" * 64))

    def no_migration(*_args: object) -> None:
        raise AssertionError("a ledger at the head revision must not be migrated again")

    monkeypatch.setattr(migrations, "_run_upgrade", no_migration)
    with Ledger(url) as again:
        assert again.schema_version == HEAD
        assert len(again.files()) == 1


def test_two_processes_creating_one_ledger_at_once_both_open_it(url: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Ledger(url).close()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=open_it) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert _tables_and_revision(url)[1] == HEAD


# --- ledgers made before Alembic ------------------------------------------------------------------


def test_pre_alembic_ledger_is_adopted_with_every_row_kept(url: str) -> None:
    _old_ledger(url)
    before = {table: len(rows) for table, rows in _contents(url).items()}
    with Ledger(url) as ledger:
        assert ledger.schema_version == HEAD
        assert len(ledger.files()) == 2
        assert ledger.hours()["heures"].tolist() == [36.0]  # the active line only
        everything = ledger.hours(current_only=False, counted_only=False)
        files, tracking, sends = ledger.files(), ledger.tracking(), ledger.sends()
    # Every old row is kept. Revision 0006 stores instants in UTC and hours in hundredths: they
    # read back as the old code wrote them.
    assert {table: len(rows) for table, rows in _contents(url).items()} == before
    assert everything["heures"].fillna(-1).tolist() == [35.5, -1, 36.0]
    assert files["recu_le"].tolist() == [datetime(2026, 11, 5, 9, 30), datetime(2026, 11, 12, 10, 5)]
    assert files["arrive_le"].tolist() == files["modifie_le"].tolist()
    assert tracking["recu_le"].tolist() == [datetime(2026, 11, 12, 10, 5)]
    # Revision 0007 copies each delivered message to both recipient roles (nothing resent).
    assert sends["at"].tolist() == [datetime(2026, 11, 15, 8, 0)] * 2
    assert _tables_and_revision(url) == (LEDGER_TABLES | {"alembic_version"}, HEAD)


def test_adopted_ledger_records_new_files_after_its_old_rows(url: str) -> None:
    _old_ledger(url)
    with Ledger(url) as ledger:
        ledger.record_file(_record("c" * 64))
        assert ledger.files()["sha256"].tolist() == ["aaaa", "bbbb", "c" * 64]


def test_pre_alembic_ledger_never_migrated_is_created_from_scratch(url: str) -> None:
    # The old code wrote `schema_version` at 0 before creating the tables in a second step.
    _execute(url, OLD_DDL.split(";\n")[0] + ";\n")
    _execute(url, "INSERT INTO schema_version VALUES (1, 0, '2026-11-05 09:00:00')")
    Ledger(url).close()
    assert _tables_and_revision(url) == (LEDGER_TABLES | {"alembic_version"}, HEAD)


def test_pre_alembic_ledger_of_an_unknown_version_is_refused(url: str) -> None:
    _old_ledger(url, version=99)
    with pytest.raises(ClausesError, match="version 99"):
        Ledger(url)


def test_ledger_at_a_revision_this_code_does_not_know_is_refused(url: str) -> None:
    Ledger(url).close()
    _execute(url, "UPDATE alembic_version SET version_num = '0999_futur'")
    with pytest.raises(ClausesError, match="0999_futur.*mettez Clauses à jour"):
        Ledger(url)


# --- failed revisions -----------------------------------------------------------------------------

FAILING_REVISION = '''
import sqlalchemy as sa
from alembic import op

revision = "0099_half_done"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("essai", sa.Column("id", sa.Integer, primary_key=True))
    raise RuntimeError("révision interrompue")


def downgrade() -> None:
    pass
'''


def test_failed_revision_leaves_the_previous_one_intact(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Ledger(url).close()
    scripts = tmp_path / "alembic"
    shutil.copytree(migrations._SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_half_done.py").write_text(FAILING_REVISION.format(head=HEAD))
    monkeypatch.setattr(migrations, "_SCRIPTS", scripts)
    migrations._scripts.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="interrompue"):
            Ledger(url)
    finally:
        migrations._scripts.cache_clear()
    # Transactional DDL (on SQLite too, thanks to the engine's BEGIN): the half-made table is gone.
    assert _tables_and_revision(url) == (LEDGER_TABLES | {"alembic_version"}, HEAD)


def _record(sha: str) -> FileRecord:
    received = datetime(2026, 11, 20, 9, 0)
    return FileRecord(
        sha256=sha, code_structure="AI-NIORT", nom_fichier="releve.xlsx",
        chemin_archive=f"archive/{sha[:2]}/{sha}.xlsx", taille=100, modifie_le=received,
        recu_le=received, type="relevé d'heures", mois="2026-11", statut="traité", motif=None,
        message=None, en_retard=False,
    )  # fmt: skip

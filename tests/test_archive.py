"""Archive (content-addressed, never modified) and quarantine with the reason beside the file."""

import stat

from clauses.workspace.archive import archive_content, quarantine_file, remove_from_inbox, sha256_of


def test_archive_is_content_addressed_and_read_only(tmp_path):
    digest, path = archive_content(tmp_path, b"contenu", ".XLSX")
    assert digest == sha256_of(b"contenu")
    assert path == tmp_path / digest[:2] / f"{digest}.xlsx"
    assert path.read_bytes() == b"contenu"
    assert not path.stat().st_mode & stat.S_IWUSR


def test_archiving_the_same_bytes_twice_keeps_one_copy(tmp_path):
    first = archive_content(tmp_path, b"contenu", ".csv")
    second = archive_content(tmp_path, b"contenu", ".csv")
    assert first == second
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_quarantine_keeps_the_file_and_writes_the_reason_beside_it(tmp_path):
    source = tmp_path / "releve.xlsx"
    source.write_bytes(b"abc")
    target = quarantine_file(tmp_path / "q", source, "AI-NIORT", "oct/releve.xlsx", "MOTIF — texte")
    assert target == tmp_path / "q" / "AI-NIORT" / "oct" / "releve.xlsx"
    assert target.read_bytes() == b"abc"
    motif = target.parent / "releve.xlsx.motif.txt"
    assert motif.read_text(encoding="utf-8") == "MOTIF — texte\n"
    assert source.exists()


def test_quarantining_the_same_bytes_again_keeps_one_copy(tmp_path):
    source = tmp_path / "releve.xlsx"
    source.write_bytes(b"abc")
    first = quarantine_file(tmp_path / "q", source, "AI-NIORT", "releve.xlsx", "M")
    again = quarantine_file(tmp_path / "q", source, "AI-NIORT", "releve.xlsx", "M")
    assert again == first
    assert len(list((tmp_path / "q" / "AI-NIORT").glob("*.xlsx"))) == 1


def test_another_file_of_the_same_name_is_kept_beside_the_first(tmp_path):
    source = tmp_path / "releve.xlsx"
    source.write_bytes(b"abc")
    quarantine_file(tmp_path / "q", source, "AI-NIORT", "releve.xlsx", "M")
    source.write_bytes(b"autre")
    second = quarantine_file(tmp_path / "q", source, "AI-NIORT", "releve.xlsx", "M")
    assert second.name == "releve (2).xlsx" and second.read_bytes() == b"autre"


def test_inbox_copy_is_removed_only_when_archived(tmp_path):
    inbox_file = tmp_path / "releve.xlsx"
    inbox_file.write_bytes(b"abc")
    remove_from_inbox(inbox_file, tmp_path / "absent.xlsx")
    assert inbox_file.exists()
    _, archived = archive_content(tmp_path / "archive", b"abc", ".xlsx")
    remove_from_inbox(inbox_file, archived)
    assert not inbox_file.exists()

"""Configuration: the default loads; a wrong or missing setting names its key in French."""

from pathlib import Path

import pytest

from clauses.config import Config, load_config
from clauses.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_embedded_default_config_loads_with_documented_defaults():
    config = load_config(ROOT / "config.yaml")
    assert config.depot.jour_limite == 10
    assert config.regles.max_heures_mois == 208
    assert config.regles.validite_prescription_mois == 2
    assert config.regles.duree_eligibilite_mois == 24
    assert config.rapports.seuil_secret_statistique == 3
    assert config.planification.fuseau == "Europe/Paris"


def test_relative_paths_resolve_against_the_workspace(tmp_path):
    config = load_config(write(tmp_path, "chemins:\n  inbox: depot\n"))
    assert config.inbox == tmp_path.resolve() / "depot"
    assert config.database_url == f"sqlite:///{tmp_path.resolve() / 'state' / 'clauses.sqlite'}"


def test_every_default_setting_has_a_comment_line_above_it():
    lines = (ROOT / "clauses" / "config.yaml").read_text(encoding="utf-8").splitlines()
    for above, line in zip(lines, lines[1:], strict=False):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not stripped.endswith(":"):
            assert above.strip().startswith("#"), f"réglage sans commentaire : {stripped}"


@pytest.mark.parametrize(
    ("yaml_text", "fragment"),
    [
        ("regles:\n  max_heures_mois: beaucoup\n", "« regles.max_heures_mois » doit être"),
        ("depot:\n  jour_limite: 31\n", "« depot.jour_limite » doit être un jour du mois"),
        ("regles:\n  severites:\n    DOUBLON: grave\n", "« regles.severites.DOUBLON »"),
        ("regles:\n  severites:\n    INCONNU: rejet\n", "code(s) de motif inconnu(s) : INCONNU"),
        ("depot:\n  jour_limit: 10\n", "Réglage inconnu « depot.jour_limit »"),
        ("planification:\n  mensuel: tous les mois\n", "une expression cron"),
        ("regles: [1, 2]\n", "« regles »"),
        ("- a\n- b\n", "doit contenir une table"),
        ("regles:\n  max_heures_mois: [\n", "n'est pas un YAML lisible"),
    ],
    ids=["not-a-number", "day-out-of-range", "bad-severity", "unknown-code", "typo-key",
         "bad-cron", "section-not-a-table", "not-a-mapping", "broken-yaml"],
)
def test_wrong_setting_gives_one_french_sentence(tmp_path, yaml_text, fragment):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, yaml_text))
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_missing_config_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="clauses init"):
        load_config(tmp_path / "absent.yaml")


def test_severity_override_is_read():
    config = Config.model_validate({"regles": {"severites": {"ENTREPRISE_DIFFERENTE": "rejet"}}})
    assert config.regles.severites == {"ENTREPRISE_DIFFERENTE": "rejet"}

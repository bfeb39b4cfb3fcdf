from pathlib import Path

import pytest

from crawlers.errors import SourceConfigError, UnknownSourceError
from crawlers.source_loader import find_source, load_source, source_json_schema, validate_files

FIXTURES = Path(__file__).parent / "fixtures"
REPO_SOURCES = Path(__file__).parents[2] / "sources"


def test_good_file_loads_with_every_section() -> None:
    source = load_source(FIXTURES / "good.yaml")
    assert source.name == "good-shop"
    assert source.market_name == "Good Shop"
    assert source.index.pagination is not None and source.index.pagination.max_pages == 3
    assert source.detail.ships_to is not None and source.detail.ships_to.xpath
    assert source.domains == ["127.0.0.1"]


def test_three_mistakes_give_three_messages_naming_file_and_field() -> None:
    problems = validate_files([FIXTURES / "three-mistakes.yaml"])
    by_field = {problem.field: problem for problem in problems}
    assert set(by_field) == {"start_urls", "detail.tittle", "detail.price"}
    assert all(problem.file.name == "three-mistakes.yaml" for problem in problems)
    assert "did you mean `title`" in by_field["detail.tittle"].hint
    assert "css" in by_field["detail.price"].message and "xpath" in by_field["detail.price"].message
    assert "add `start_urls:`" in by_field["start_urls"].hint
    assert by_field["detail.tittle"].line == 6


@pytest.mark.parametrize(
    ("patch", "field", "words"),
    [
        ({"kind": "bazaar"}, "kind", "market"),
        ({"start_urls": ["not a url"]}, "start_urls.0", "URL"),
        ({"schedule": "every day"}, "schedule", "cron"),
        ({"languages": ["english"]}, "languages", "ISO 639-1"),
        ({"name": "Has Spaces"}, "name", "lower case"),
    ],
)
def test_wrong_values_are_named(
    tmp_path: Path, patch: dict[str, object], field: str, words: str
) -> None:
    import yaml

    document = yaml.safe_load((FIXTURES / "good.yaml").read_text())
    document.update(patch)
    path = tmp_path / "patched.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(SourceConfigError) as caught:
        load_source(path)
    [problem] = caught.value.problems
    assert problem.field == field
    assert words in f"{problem.message} {problem.hint}"
    assert str(path) in str(caught.value)


def test_invalid_css_and_xpath_fail_at_load(tmp_path: Path) -> None:
    text = (FIXTURES / "good.yaml").read_text()
    text = text.replace('title: "h1"', 'title: "h1["').replace("xpath://dt[.='To']", "xpath://dt[[")
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    problems = validate_files([path])
    assert {p.field for p in problems} == {"detail.title.css", "detail.ships_to.xpath"}


def test_not_yaml_and_not_mapping(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    problems = validate_files([broken, listed])
    assert [p.file for p in problems] == [broken, listed]
    assert "not valid YAML" in problems[0].message and problems[0].line is not None
    assert "mapping" in problems[1].message


def test_duplicate_names_are_reported(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((FIXTURES / "good.yaml").read_text())
    problems = validate_files([tmp_path])
    assert len(problems) == 1 and "already used" in problems[0].message


def test_find_source_suggests_close_names() -> None:
    with pytest.raises(UnknownSourceError, match="did you mean 'good-shop'"):
        find_source("good-shp", [FIXTURES / "valid"])
    assert find_source("good-shop", [FIXTURES / "valid"]).name == "good-shop"


def test_repository_sources_are_valid() -> None:
    assert len(list(REPO_SOURCES.glob("*.yaml"))) >= 3
    assert validate_files([REPO_SOURCES]) == []


def test_json_schema_is_generated_from_the_model() -> None:
    schema = source_json_schema()
    assert schema["additionalProperties"] is False
    assert {"name", "kind", "start_urls", "index"} <= set(schema["required"])
    assert "detail" not in schema["required"]  # optional with listing cards
    assert {"DetailPage", "ListingCards"} <= set(schema["$defs"])

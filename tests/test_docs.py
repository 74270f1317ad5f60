"""README.md and docs/ are the whole manual (issue 12, item 8): a user or a
newcomer with only the repository must be able to follow every link and
path they name, and find every rule the tests prove.

- A link goes to a file of the repository that exists (and to a heading the
  file has, when it names one); web addresses are left alone.
- No text names a path outside the repository: a `../` that climbs out of
  it, a path of the machine the docs were written on, or the project notes
  that live beside the repository and not in it.
- Every rule id a test carries in its name (`test_s6_…`) is in the docs,
  built or in docs/rules.md's "Not yet".
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]

FENCE = re.compile(r"^```.*?^```[ \t]*$", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]\n]*\]\(<?([^)>\s]+)>?(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
WEB = ("http://", "https://", "mailto:")

# Where a path of this machine or of the project's notes would be named.
MACHINE_PATH = re.compile(
    r"(?<![\w.~/-])/(?:work|tmp|home|root|opt|usr|var|srv|mnt|Users)/[^\s`)\]]*")
CLIMB = re.compile(r"(?:\.\./)+[\w/-]*(?:\.\w+)*")
OUTSIDE_NOTES = re.compile(r"\bSPEC\.md\b|\bDESIGN\.md\b|(?<![\w-])(?:seeds|shared)/")

# A rule id as a test name carries it: a word of the name such as s6, a4c.
RULE_WORD = re.compile(r"^[pstacu]\d{1,2}[a-e]?$")


def doc_id(doc: Path, root: Path = ROOT) -> str:
    return doc.relative_to(root).as_posix()


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def without_code_blocks(text: str) -> str:
    """The text with fenced code blocks blanked (keeping the line count), so
    a TOML table such as `[[pipelines]]` is not read as a link or heading."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def anchors(doc: Path) -> set[str]:
    """The anchors of a Markdown file's headings, as GitHub makes them: lower
    case, punctuation dropped, spaces as hyphens, a repeat numbered."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in HEADING.findall(without_code_blocks(doc.read_text(encoding="utf-8"))):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return found


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    text = without_code_blocks(doc.read_text(encoding="utf-8"))
    problems = []
    for match in LINK.finditer(text):
        target = match.group(1)
        if target.startswith(WEB):
            continue
        where = f"{doc_id(doc, root)}:{line_of(text, match.start())}: {target}"
        path_part, _, fragment = target.partition("#")
        linked = (doc.parent / path_part).resolve() if path_part else doc
        if not linked.is_relative_to(root):
            problems.append(f"{where} points outside the repository")
        elif not linked.exists():
            problems.append(f"{where} is no file of the repository")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            problems.append(f"{where}: {doc_id(linked, root)} has no heading #{fragment}")
    return problems


def paths_outside(doc: Path, root: Path = ROOT) -> list[str]:
    text = doc.read_text(encoding="utf-8")
    found = [m for pattern in (MACHINE_PATH, OUTSIDE_NOTES) for m in pattern.finditer(text)]
    found += [m for m in CLIMB.finditer(text)
              if not (doc.parent / m.group(0)).resolve().is_relative_to(root)]
    return [f"{doc_id(doc, root)}:{line_of(text, m.start())}: {m.group(0)}"
            for m in sorted(found, key=lambda m: m.start())]


def rule_ids_of_test_names() -> dict[str, str]:
    """Each rule id test names carry, written as the docs write it (the
    letter upper case, a sub-rule's letter lower: A4a), with one test that
    carries it."""
    ids: dict[str, str] = {}
    for test_file in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(test_file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and node.name.startswith("test_"):
                for word in node.name.split("_")[1:]:
                    if RULE_WORD.match(word):
                        ids.setdefault(word[0].upper() + word[1:], f"{test_file.name}::{node.name}")
    return ids


def test_the_docs_are_found() -> None:
    names = {doc_id(doc) for doc in DOCS}
    assert {"README.md", "docs/rules.md", "docs/architecture.md"} <= names


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_links_go_to_files_and_headings_of_the_repository(doc: Path) -> None:
    assert broken_links(doc) == []


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_no_path_outside_the_repository_is_named(doc: Path) -> None:
    assert paths_outside(doc) == []


def test_every_rule_id_a_test_name_carries_is_in_the_docs() -> None:
    tested = rule_ids_of_test_names()
    assert "S6" in tested  # the names are read: the stage deletion's tests carry S6
    docs = "\n".join(doc.read_text(encoding="utf-8") for doc in DOCS)
    undocumented = {rule: test for rule, test in tested.items()
                    if not re.search(rf"\b{rule}\b", docs)}
    assert undocumented == {}


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """The checks report a missing file, a link out of the repository, a
    missing heading, a climb out of it, a machine path and the notes beside
    it, with the line: the tests on the real docs can fail."""
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "here.md").write_text("# Here\n\n## The rules\n", encoding="utf-8")
    doc = root / "docs" / "bad.md"
    doc.write_text("[ok](here.md#the-rules) [web](https://example.com/x)\n"
                   "[gone](nowhere.md) [out](../../elsewhere.md) [anchor](here.md#no-such)\n"
                   "see ../README.md, ../../notes/x.md, /tmp/desk and SPEC.md\n",
                   encoding="utf-8")
    assert broken_links(doc, root) == [
        "docs/bad.md:2: nowhere.md is no file of the repository",
        "docs/bad.md:2: ../../elsewhere.md points outside the repository",
        "docs/bad.md:2: here.md#no-such: docs/here.md has no heading #no-such"]
    assert paths_outside(doc, root) == [
        "docs/bad.md:2: ../../elsewhere.md",
        "docs/bad.md:3: ../../notes/x.md",
        "docs/bad.md:3: /tmp/desk",
        "docs/bad.md:3: SPEC.md"]

"""One source of truth for versions: requirements.txt pins them, environment.yml (the
conda environment JupyterHub images are built from) repeats them exactly, and the
running .venv has them installed."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
ENVIRONMENT = ROOT / "environment.yml"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")
EDITABLE_SELF = "-e ."


def normalise(name: str) -> str:
    """PEP 503 name: case, '-', '_' and '.' do not distinguish packages."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(lines: list[str], where: str, allow_editable: bool) -> dict[str, str]:
    """``name==version`` lines -> {normalised name: version}; anything else is an error."""
    pins: dict[str, str] = {}
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line == EDITABLE_SELF:
            if not allow_editable:
                raise ValueError(f"{where}: '{EDITABLE_SELF}' belongs only in environment.yml")
            continue
        match = PIN.match(line)
        if match is None:
            raise ValueError(f"{where}: {line!r} is not pinned as name==version")
        name = normalise(match.group(1))
        if name in pins:
            raise ValueError(f"{where}: {name} is pinned twice")
        pins[name] = match.group(2)
    return pins


def requirements_pins(text: str) -> dict[str, str]:
    return parse_pins(text.splitlines(), "requirements.txt", allow_editable=False)


def environment_spec(text: str) -> tuple[list[str], dict[str, str]]:
    """environment.yml -> (its conda dependencies, its pip pins)."""
    spec = yaml.safe_load(text)
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    pip_sections = [d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d]
    if len(pip_sections) != 1:
        raise ValueError("environment.yml: expected exactly one 'pip:' section")
    pins = parse_pins(
        [str(item) for item in pip_sections[0]], "environment.yml", allow_editable=True
    )
    return conda, pins


def disagreements(environment_text: str, requirements_text: str) -> list[str]:
    """Every way the two files disagree, in words; empty when they agree exactly."""
    _, env = environment_spec(environment_text)
    req = requirements_pins(requirements_text)
    problems = [f"{name} only in requirements.txt" for name in sorted(req.keys() - env.keys())]
    problems += [f"{name} only in environment.yml" for name in sorted(env.keys() - req.keys())]
    problems += [
        f"{name}: requirements.txt {req[name]} != environment.yml {env[name]}"
        for name in sorted(req.keys() & env.keys())
        if req[name] != env[name]
    ]
    return problems


def test_environment_yml_repeats_requirements_exactly() -> None:
    assert disagreements(ENVIRONMENT.read_text(), REQUIREMENTS.read_text()) == []


def test_editable_install_only_in_environment_yml() -> None:
    pip_items = [
        str(item).strip()
        for d in yaml.safe_load(ENVIRONMENT.read_text())["dependencies"]
        if isinstance(d, dict)
        for item in d.get("pip", [])
    ]
    assert EDITABLE_SELF in pip_items
    assert EDITABLE_SELF not in [line.strip() for line in REQUIREMENTS.read_text().splitlines()]


@pytest.mark.parametrize("package, version", [("torch", "2.14.1"), ("torchvision", "0.29.1")])
def test_both_files_pin_the_course_torch(package: str, version: str) -> None:
    _, env = environment_spec(ENVIRONMENT.read_text())
    assert requirements_pins(REQUIREMENTS.read_text())[package] == version
    assert env[package] == version


def test_environment_yml_is_python_3_11() -> None:
    conda, _ = environment_spec(ENVIRONMENT.read_text())
    assert "python=3.11" in conda


def _edited(text: str, old: str, new: str) -> str:
    assert old in text, f"fixture text lacks {old!r}"
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    "file, old, new, expected",
    [
        ("environment", "numpy==", "numpy==0.0.0+", "numpy: requirements.txt"),
        ("requirements", "torchvision==0.29.1", "torchvision==0.28.0", "torchvision"),
        ("requirements", "tqdm==", "tqdm-extra==", "only in"),
        ("environment", "      - ruff==", "      - black==1.0\n      - ruff==", "black only in"),
    ],
)
def test_the_check_catches_a_disagreeing_pair(file: str, old: str, new: str, expected: str) -> None:
    environment, requirements = ENVIRONMENT.read_text(), REQUIREMENTS.read_text()
    if file == "environment":
        environment = _edited(environment, old, new)
    else:
        requirements = _edited(requirements, old, new)
    problems = disagreements(environment, requirements)
    assert problems and any(expected in problem for problem in problems), problems


def test_the_check_rejects_editable_line_and_unpinned_lines_in_requirements() -> None:
    requirements = REQUIREMENTS.read_text()
    with pytest.raises(ValueError, match="belongs only in environment.yml"):
        requirements_pins(requirements + f"\n{EDITABLE_SELF}\n")
    with pytest.raises(ValueError, match="not pinned"):
        requirements_pins(requirements + "\nrequests>=2\n")
    with pytest.raises(ValueError, match="pinned twice"):
        requirements_pins(requirements + "\ntorch==2.14.1\n")


def test_names_compare_case_and_separator_insensitively() -> None:
    requirements = REQUIREMENTS.read_text().replace("scikit-image==", "Scikit_Image==")
    assert disagreements(ENVIRONMENT.read_text(), requirements) == []


def test_installed_versions_match_requirements() -> None:
    wrong = []
    for name, pinned in requirements_pins(REQUIREMENTS.read_text()).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} is not installed (requirements.txt pins {pinned})")
            continue
        # A local build tag (torch's "+cu128") is the same release.
        if Version(installed).public != Version(pinned).public:
            wrong.append(f"{name}: installed {installed}, requirements.txt pins {pinned}")
    assert wrong == [], "the venv is stale; rerun `make setup`:\n" + "\n".join(wrong)

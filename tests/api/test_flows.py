"""``/flows``: the catalogue, parameter schemas, steps and planned DAGs."""

from __future__ import annotations

from tests.api.clients import ApiClient, assert_problem


def test_listing_flows_shows_image_correct_with_its_schema_steps_and_dag(alice: ApiClient):
    flows = {f["name"]: f for f in alice.get("/flows").json()}
    image = flows["image.correct"]
    version = image["versions"][-1]
    assert image["latest_version"] == version["version"]
    assert version["inputs"] == ["source"]
    assert "quality" in version["params_schema"]["properties"]
    assert {"decode", "encode", "preview"} <= {
        s["name"].rsplit(".", 1)[-1] for s in version["steps"]
    }
    nodes = {n["key"]: n for n in version["dag"]["nodes"]}
    assert nodes["encode"]["upstream"] and not nodes["decode"]["upstream"]
    edges = version["dag"]["edges"]
    assert edges and all(e["source"] in nodes and e["target"] in nodes for e in edges)
    assert all(not n["is_map"] and n["queue"] for n in nodes.values())


def test_getting_one_flow_returns_its_versions(alice: ApiClient):
    response = alice.get("/flows/image.correct")
    assert response.status_code == 200
    assert response.json()["name"] == "image.correct"


def test_an_unknown_flow_is_a_404_problem_naming_the_known_ones(alice: ApiClient):
    problem = assert_problem(alice.get("/flows/image.corect"), 404)
    assert "image.correct" in problem["detail"]


def test_planning_with_parameters_adds_the_steps_they_enable(alice: ApiClient):
    plain = alice.post("/flows/image.correct/plan", {"params": {}}).json()
    more = alice.post("/flows/image.correct/plan", {"params": {"local_contrast": True}}).json()
    assert "local_contrast" not in [n["key"] for n in plain["nodes"]]
    assert "local_contrast" in [n["key"] for n in more["nodes"]]
    assert len(more["edges"]) > len(plain["edges"])


def test_planning_with_an_out_of_range_parameter_is_a_422_naming_the_field(alice: ApiClient):
    problem = assert_problem(
        alice.post("/flows/image.correct/plan", {"params": {"quality": 101}}), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "params", "quality"]


def test_planning_an_unknown_version_is_a_404(alice: ApiClient):
    assert_problem(alice.post("/flows/image.correct/plan", {"version": 99, "params": {}}), 404)


def test_flows_need_authentication(anonymous: ApiClient):
    response = anonymous.get("/flows")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"

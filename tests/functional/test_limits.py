"""GET /v1/limits: the page's sizes, defaults and label colours come from the API, which states
each value from the one place it is defined."""

from __future__ import annotations

from facegender.api.schemas import Explanation, PredictRequest
from facegender.eigenfaces import EIGENFACES_SHOWN
from facegender.explain import LABEL_COLOURS
from facegender.settings import MAX_FACES_LIMIT, UPLOAD_MAX_SIDE, Settings


def test_limits_are_the_services_settings(client):
    settings = client.app.state.service.settings
    reply = client.get("/v1/limits")
    assert reply.status_code == 200
    assert reply.json() == {
        "max_faces": {"default": settings.default_max_faces, "minimum": 1,
                      "maximum": MAX_FACES_LIMIT},
        "max_image_bytes": settings.max_image_bytes,
        "max_pixels": settings.max_pixels,
        "upload_max_side": UPLOAD_MAX_SIDE,
        "eigenfaces_shown": EIGENFACES_SHOWN,
        "max_explained_faces": settings.max_explained_faces,
        "label_colours": LABEL_COLOURS,
    }


def test_the_schema_states_the_defaults_and_colours_it_is_built_from():
    schema = {"PredictRequest": PredictRequest.model_json_schema(),
              "Explanation": Explanation.model_json_schema()}
    defaults = Settings()
    max_faces = schema["PredictRequest"]["properties"]["max_faces"]["description"]
    assert f"1 to {MAX_FACES_LIMIT}" in max_faces
    assert f"default {defaults.default_max_faces}" in max_faces
    explained = schema["PredictRequest"]["properties"]["include_explanation"]["description"]
    assert f"{defaults.max_explained_faces} by default" in explained
    map_png = schema["Explanation"]["properties"]["map_png"]["description"]
    assert all(f"{label} {colour}" in map_png for label, colour in LABEL_COLOURS.items())


def test_the_page_holds_no_copy_of_the_limits(client):
    from tests.support.paths import REPO_ROOT

    frontend = REPO_ROOT / "frontend"
    page = "\n".join(path.read_text() for path in frontend.glob("*.js"))
    page += (frontend / "styles.css").read_text()
    for value in (str(UPLOAD_MAX_SIDE), "4 * 1024 * 1024", "MAX_FACES = ", "EIGENFACES_SHOWN = ",
                  *LABEL_COLOURS.values()):
        assert value not in page, value

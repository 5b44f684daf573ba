"""The API as OpenAPI 3.1, generated from the URL map and the schemas declared on each view.

Each JSON endpoint declares what it takes and answers with ``@documented(...)`` beside its
code; the paths, methods and path parameters (with the range ``<int:...>`` accepts, see
lms.core.inputs) come from the URL map itself, so the published description cannot drift
from the routes. Schemas are plain JSON Schema (2020-12, which OpenAPI 3.1 uses).
"""

from werkzeug.routing import IntegerConverter

API_PREFIX = "/api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")

ERROR = {"$ref": "#/components/schemas/Error"}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}


def obj(required=(), optional=None, **properties) -> dict:
    """A JSON object schema: every property listed; ``required`` names those always there."""
    properties.update(optional or {})
    return {"type": "object", "required": list(required), "properties": properties}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def documented(
    *,
    responses: dict,
    body: dict | None = None,
    body_types=("application/json",),
    query: dict | None = None,
    auth: bool = True,
):
    """Declare a JSON endpoint's OpenAPI operation: ``responses`` maps a status to its body
    schema (None: no body), ``body`` the request body, ``query`` the query parameters
    (name → schema), ``auth`` whether it needs a bearer token (adds 401)."""

    def decorator(view):
        view.openapi = {
            "responses": dict(responses),
            "body": body,
            "body_types": body_types,
            "query": query or {},
            "auth": auth,
        }
        return view

    return decorator


def _path_parameters(rule) -> tuple[str, list[dict]]:
    path, parameters = rule.rule, []
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            schema = {"type": "integer", "minimum": converter.min or 0}
            if converter.max is not None:
                schema["maximum"] = converter.max
            placeholder = f"<int:{name}>"
        else:
            schema = {"type": "string", "minLength": 1}
            placeholder = f"<{name}>"
        path = path.replace(placeholder, "{" + name + "}")
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return path, parameters


def _operation(view, endpoint: str, method: str, parameters: list[dict]) -> dict:
    declared = view.openapi
    doc = (view.__doc__ or "").strip()
    operation = {
        "operationId": endpoint.replace(".", "_"),
        "summary": doc.split("\n")[0],
        "parameters": parameters
        + [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in declared["query"].items()
        ],
        "responses": {},
    }
    if declared["body"] is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {kind: {"schema": declared["body"]} for kind in declared["body_types"]},
        }
    responses = dict(declared["responses"])
    # Every JSON endpoint may answer these (lms.core.errors: one error body everywhere).
    responses.setdefault(404, ERROR)
    # A write with the session cookie instead of a bearer token needs the page's CSRF token
    # (lms.core.access.protect_cookie_writes): 400 without it.
    if declared["body"] is not None or declared["query"] or method != "get":
        responses.setdefault(400, ERROR)
    if declared["auth"]:
        responses.setdefault(401, ERROR)
        operation["security"] = [{"bearer": []}]
    for status, schema in sorted(responses.items()):
        entry = {"description": _STATUS_TEXT.get(status, "Response")}
        if schema is not None:
            entry["content"] = {"application/json": {"schema": schema}}
        operation["responses"][str(status)] = entry
    return operation


_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    400: "The request is not valid",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found (or not visible to the caller)",
    409: "Conflicts with the current state",
    413: "Too large",
    429: "Too many attempts",
}


def build_spec(app) -> dict:
    """The OpenAPI 3.1 document of every documented view under /api/v1/."""
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        if not rule.rule.startswith(API_PREFIX) or not hasattr(view, "openapi"):
            continue
        path, parameters = _path_parameters(rule)
        for method in METHODS:
            if method.upper() in rule.methods:
                paths.setdefault(path, {})[method] = _operation(
                    view, rule.endpoint, method, parameters
                )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cadre learning platform API",
            "version": "1",
            "description": "Bearer tokens come from POST /api/v1/auth/token; see the README.",
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": obj(
                    ["error"],
                    error=obj(
                        ["code", "message"], code={"type": "string"}, message={"type": "string"}
                    ),
                )
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }

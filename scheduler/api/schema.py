"""OpenAPI: every operation lists the errors it can answer with, in one place."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` says why.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Invalid input: each field that failed maps to its reasons "
    "(`non_field_errors` for the request as a whole; item indexes for bulk requests).",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": True},
            {"type": "string"},  # `detail` of a body that is not JSON at all
        ]
    },
}
UNSAFE = {"post", "put", "patch", "delete"}


def _response(description: str, schema_name: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def _requires_login(operation: dict) -> bool:
    return {} not in operation.get("security", [{}])


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ValidationError"] = VALIDATION_ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = {"429": ("Too many requests; see the Retry-After header.", "Error")}
            if method in UNSAFE or operation.get("parameters"):
                errors["400"] = ("Invalid input: the fields and the reasons.", "ValidationError")
            if _requires_login(operation):
                errors["401"] = ("Not logged in: no or a wrong token.", "Error")
                errors["403"] = ("Logged in, but not allowed to do this.", "Error")
            if "{" in path:
                errors["404"] = ("No such object among those the caller may see.", "Error")
            for code, (description, schema_name) in errors.items():
                responses.setdefault(code, _response(description, schema_name))
    return result

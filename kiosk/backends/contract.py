"""The backend contract: the OpenAPI documents in ``api/``, loaded once, as operations with validators.

Both sides use it. The kiosk's clients validate every reply before use (a malformed reply becomes
a :class:`~kiosk.backends.errors.BadReply`, not a crash) and the outbox validates a submission before
storing it (so field errors reach the form while the citizen is still there). The reference
backend (``backend_sim``) routes and validates requests with it, so both sides report the same field
error codes.

Schemas are JSON Schema 2020-12 (OpenAPI 3.1) and validated with ``jsonschema``. Validation
messages never quote the validated value: values are personal data.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kiosk.backends.errors import DEPARTMENTS, FieldError

API_DIR = Path(__file__).resolve().parent.parent.parent / "api"
_METHODS = ("get", "post", "put", "patch", "delete")
IDEMPOTENCY_HEADER = "Idempotency-Key"

# jsonschema keyword -> the contract's field error code (api/*.yaml, FieldError.code)
_CODES = {
    "required": "required", "dependentRequired": "required", "type": "invalid_type",
    "pattern": "invalid_format", "format": "invalid_format", "minimum": "out_of_range",
    "maximum": "out_of_range", "exclusiveMinimum": "out_of_range", "exclusiveMaximum": "out_of_range",
    "maxLength": "too_long", "maxItems": "too_long", "minLength": "too_short", "minItems": "too_short",
    "enum": "not_allowed", "const": "not_allowed", "additionalProperties": "unknown_field",
}


class ContractError(Exception):
    """An API document is missing or broken, or code asked for an operation it does not define."""


@dataclass(frozen=True)
class Operation:
    """One operation of the contract.

    Attributes:
        id: the operationId, ``<department>.<verb_object>``, e.g. ``hall.submit_rating``.
        department: the document it comes from.
        method: ``GET`` or ``POST``.
        path: the full path, e.g. ``/hall/v1/ratings`` (no path templates in this contract).
        submission: True when it creates an effect (it requires the Idempotency-Key header).
        statuses: the HTTP statuses the contract allows in reply.
    """

    id: str
    department: str
    method: str
    path: str
    submission: bool
    statuses: frozenset[int]
    _body: Draft202012Validator | None = field(repr=False, compare=False, default=None)
    _query: Draft202012Validator | None = field(repr=False, compare=False, default=None)
    _replies: dict[int, Draft202012Validator] = field(repr=False, compare=False, default_factory=dict)


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A YAML loader that refuses duplicate keys (YAML itself silently keeps the last one)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        duplicates = {k for k in keys if keys.count(k) > 1}
        if duplicates:
            raise ContractError(f"duplicate key(s) {sorted(map(str, duplicates))} {node.start_mark}")
        return super().construct_mapping(node, deep=deep)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    """All departments' operations, by id and by (method, path).

    Args:
        api_dir: the folder holding ``tax.yaml``, ``exit_entry.yaml``, ``registration.yaml``, ``hall.yaml``.

    Raises:
        ContractError: a document is missing, not YAML, or has duplicate keys.
    """

    def __init__(self, api_dir: Path = API_DIR) -> None:
        self.documents: dict[str, dict] = {}
        registry: Registry = Registry()
        for department in DEPARTMENTS:
            file = api_dir / f"{department}.yaml"
            try:
                doc = yaml.load(file.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - a safe loader
            except (OSError, yaml.YAMLError) as e:
                raise ContractError(f"{file}: cannot be loaded ({e})") from None
            self.documents[department] = doc
            registry = registry.with_resource(self._uri(department), Resource.from_contents(doc, DRAFT202012))
        self._registry = registry
        self._by_id: dict[str, Operation] = {}
        self._by_route: dict[tuple[str, str], Operation] = {}
        for department, doc in self.documents.items():
            for path, item in doc["paths"].items():
                for method in _METHODS:
                    if method in item:
                        op = self._operation(department, doc, path, method, item[method])
                        if op.id in self._by_id:
                            raise ContractError(f"operationId {op.id} is defined twice")
                        self._by_id[op.id] = op
                        self._by_route[(op.method, op.path)] = op

    # -- lookup ------------------------------------------------------------------------------
    def operation(self, op_id: str) -> Operation:
        """The operation with this id; ContractError if there is none (a programming error)."""
        try:
            return self._by_id[op_id]
        except KeyError:
            raise ContractError(f"no operation {op_id!r} in {API_DIR}") from None

    def operations(self) -> tuple[Operation, ...]:
        return tuple(self._by_id.values())

    def find(self, method: str, path: str) -> Operation | None:
        """The operation serving ``method path`` (the path without its query string), or None."""
        return self._by_route.get((method.upper(), path))

    def methods(self, path: str) -> list[str]:
        """The methods the contract declares for ``path`` (sorted; [] for a path it does not have)."""
        return sorted(method for method, route in self._by_route if route == path)

    # -- validation --------------------------------------------------------------------------
    def body_errors(self, op: Operation, body: Any) -> list[FieldError]:
        """Field errors of a request body against the operation's schema ([] = valid)."""
        if op._body is None:
            return [] if body is None else [FieldError("", "unknown_field")]
        return _field_errors(op._body.iter_errors(body))

    def query_errors(self, op: Operation, params: dict[str, str]) -> list[FieldError]:
        """Field errors of query-string parameters ([] = valid; ignored if the operation has none)."""
        return [] if op._query is None else _field_errors(op._query.iter_errors(params))

    def reply_problems(self, op: Operation, status: int, body: Any) -> list[str]:
        """Why a reply breaks the contract, in technician English without values ([] = conforms)."""
        validator = op._replies.get(status)
        if validator is None:
            return [f"HTTP {status} is not a reply the contract allows for {op.id}"]
        return sorted({f"{e.json_path}: fails {e.validator!r}" for e in validator.iter_errors(body)})

    # -- schemas, for journey definitions ------------------------------------------------------
    def request_schema(self, op: Operation) -> dict:
        """The operation's inputs as one object schema with local ``$ref``s resolved: the request
        body's, or for an operation without a body its query parameters' ({} when it has neither).

        Journey definitions take their fields' types, enums, patterns and ranges from here, so the
        contract stays the one schema of every value a kiosk sends."""
        doc = self.documents[op.department]
        spec = doc["paths"][op.path][op.method.lower()]
        schema = spec.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        if schema:
            return _resolved(doc, schema)
        # An operation without a body takes its inputs as query parameters: one object all the same.
        params = [p for p in (self._resolve(doc, p)[0] for p in spec.get("parameters", [])) if p["in"] == "query"]
        if not params:
            return {}
        return {"type": "object", "required": [p["name"] for p in params if p.get("required")],
                "properties": {p["name"]: _resolved(doc, p["schema"]) for p in params}}

    def reply_schema(self, op: Operation) -> dict:
        """The schema of the operation's success reply (the first 2xx), resolved ({} when none)."""
        doc = self.documents[op.department]
        spec = doc["paths"][op.path][op.method.lower()]
        for status in sorted(spec["responses"]):
            if str(status).startswith("2"):
                reply, _ = self._resolve(doc, spec["responses"][status])
                schema = reply.get("content", {}).get("application/json", {}).get("schema")
                return _resolved(doc, schema) if schema else {}
        return {}

    def refusal_schema(self, op: Operation) -> dict:
        """What the operation's refusals (its 4xx replies) may carry, as one object schema whose
        properties are those of every 4xx reply body, resolved ({} when none)."""
        doc = self.documents[op.department]
        spec = doc["paths"][op.path][op.method.lower()]
        properties: dict = {}
        for status in sorted(spec["responses"]):
            if str(status).startswith("4"):
                reply, _ = self._resolve(doc, spec["responses"][status])
                schema = reply.get("content", {}).get("application/json", {}).get("schema")
                if schema:
                    properties.update(_resolved(doc, schema).get("properties", {}))
        return {"type": "object", "properties": properties}

    def value_errors(self, op: Operation, name: str, value: Any) -> list[str]:
        """Field error codes of one request property's value (``[]`` = valid)."""
        schema = self.request_schema(op).get("properties", {}).get(name)
        if schema is None:
            return ["unknown_field"]
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        return sorted({_CODES.get(e.validator, "invalid") for e in validator.iter_errors(value)})

    # -- building ----------------------------------------------------------------------------
    @staticmethod
    def _uri(department: str) -> str:
        return f"urn:kiosk-api:{department}"

    def _validator(self, department: str, *pointer: str) -> Draft202012Validator:
        ref = {"$ref": f"{self._uri(department)}#/{_pointer(*pointer)}"}
        return Draft202012Validator(ref, registry=self._registry, format_checker=FormatChecker())

    @staticmethod
    def _resolve(doc: dict, node: dict) -> tuple[dict, tuple[str, ...]]:
        """Follow a local ``$ref`` of a response object; return it and its JSON pointer parts."""
        ref = node.get("$ref")
        if ref is None:
            return node, ()
        parts = tuple(p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/"))
        target = doc
        for p in parts:
            target = target[p]
        return target, parts

    def _operation(self, department: str, doc: dict, path: str, method: str, spec: dict) -> Operation:
        where = ("paths", path, method)
        params = [self._resolve(doc, p)[0] for p in spec.get("parameters", [])]
        submission = any(p["in"] == "header" and p["name"] == IDEMPOTENCY_HEADER and p.get("required") for p in params)
        body = None
        if "requestBody" in spec:
            body = self._validator(department, *where, "requestBody", "content", "application/json", "schema")
        query = None
        query_params = [p for p in params if p["in"] == "query"]
        if query_params:
            schema = {"type": "object", "additionalProperties": False,
                      "required": [p["name"] for p in query_params if p.get("required")],
                      "properties": {p["name"]: _absolute_refs(p["schema"], self._uri(department))
                                     for p in query_params}}
            query = Draft202012Validator(schema, registry=self._registry, format_checker=FormatChecker())
        replies = {}
        for status, reply in spec["responses"].items():
            reply_obj, reply_ptr = self._resolve(doc, reply)
            base = reply_ptr or (*where, "responses", status)
            if "application/json" in reply_obj.get("content", {}):
                replies[int(status)] = self._validator(department, *base, "content", "application/json", "schema")
        return Operation(
            id=spec["operationId"], department=department, method=method.upper(), path=path,
            submission=submission, statuses=frozenset(replies), _body=body, _query=query, _replies=replies,
        )


def _absolute_refs(schema: Any, uri: str) -> Any:
    """A copy of ``schema`` whose document-local ``$ref``s point into the document ``uri``."""
    if isinstance(schema, dict):
        return {k: (uri + v if k == "$ref" and v.startswith("#") else _absolute_refs(v, uri))
                for k, v in schema.items()}
    if isinstance(schema, list):
        return [_absolute_refs(v, uri) for v in schema]
    return schema


def _resolved(doc: dict, schema: Any, depth: int = 0) -> Any:
    """``schema`` with every local ``$ref`` replaced by its target (the contract has no cycles)."""
    if depth > 32:
        raise ContractError("schema references nest deeper than 32 levels")
    if isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
            target = doc
            for part in schema["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            return _resolved(doc, merged, depth + 1)
        return {k: _resolved(doc, v, depth + 1) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolved(doc, v, depth + 1) for v in schema]
    return schema


def _field_errors(errors: Iterable[ValidationError]) -> list[FieldError]:
    found: set[FieldError] = set()
    for error in errors:
        path = ".".join(str(p) for p in error.absolute_path)
        code = _CODES.get(error.validator, "invalid")
        names: list[str] = []
        if error.validator == "required":
            names = [n for n in error.validator_value if n not in error.instance]
        elif error.validator == "dependentRequired":
            names = [n for key, deps in error.validator_value.items() if key in error.instance
                     for n in deps if n not in error.instance]
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            names = [n for n in error.instance if n not in known]
        if names:
            found.update(FieldError(f"{path}.{n}" if path else n, code) for n in names)
        else:
            found.add(FieldError(path, code))
    return sorted(found, key=lambda f: (f.field, f.code))


@functools.cache
def load_contract(api_dir: Path = API_DIR) -> Contract:
    """The contract, loaded once per process."""
    return Contract(api_dir)

"""One error shape for every failure: ``{"error": {"code", "message"}}`` with the right status, never internals."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import PlaybookError

log = logging.getLogger("playbook.http")

STATUS = {
    "empty_question": 422,
    "question_too_long": 422,
    "invalid_question": 422,
    "invalid_input": 422,
    "invalid_policy_data": 503,
    "invalid_sla_request": 422,
    "invalid_client_data": 422,
    "source_not_found": 422,
    "no_documents": 422,
    "replace_required": 409,
    "path_not_allowed": 422,  # 403 stays the answer to a role that may not call the route
    "client_not_found": 404,
    "sla_not_found": 404,
    "job_not_found": 404,
    "quiz_not_found": 404,
    "invalid_quiz_request": 422,
    "ingest_locked": 409,
    "index_missing": 503,
    "config_error": 503,
}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The JSON error body."""
    return {"error": {"code": code, "message": message}}


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def install(app: FastAPI) -> None:
    """Register the exception handlers."""

    @app.exception_handler(PlaybookError)
    async def playbook_error(request: Request, exc: PlaybookError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message), status_code=STATUS.get(exc.code, 500))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        if first.get("type") == "json_invalid":
            return JSONResponse(error_body("invalid_json", "the request body is not valid JSON"), status_code=400)
        message = f"{where}: {first.get('msg', 'invalid value')}" if where else str(first.get("msg", "invalid request"))
        return JSONResponse(error_body("invalid_request", message[:300]), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "body_too_large",
            415: "unsupported_media_type",
        }.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(UnicodeError)
    async def not_text(request: Request, exc: UnicodeError) -> JSONResponse:
        # A lone surrogate ("\ud800" in JSON) a request field did not clean: refused, never a 500.
        message = "the request holds text that is not valid Unicode (a lone surrogate or invalid UTF-8)"
        return JSONResponse(error_body("invalid_input", message), status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        rid = _request_id(request)
        log.exception("unexpected error (request %s)", rid)
        return JSONResponse(error_body("internal_error", f"unexpected error; reference {rid}"), status_code=500)

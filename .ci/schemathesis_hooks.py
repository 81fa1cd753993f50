"""schemathesis hooks for Guantong (loaded by .ci/schemathesis through SCHEMATHESIS_HOOKS).

POST /api/v1/sync/batches takes NDJSON (application/x-ndjson), a media type schemathesis
has no serializer for: the generated body (a string) is sent as UTF-8 text as it is.
"""
import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "replace")
    return (json.dumps(value, ensure_ascii=False) + "\n").encode("utf-8", "replace")

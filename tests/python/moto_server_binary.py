"""moto's server, with SageMaker Runtime's InvokeEndpoint accepting binary request bodies.

Usage (what tests/cli/support/moto.ts and emulator.py run; the arguments are moto_server's):
    .venv/bin/python tests/python/moto_server_binary.py -H 127.0.0.1 -p 5000

moto 5.2.5 decodes every request body as UTF-8 before it dispatches (BaseResponse.setup_class) unless the
service's response class sets `use_raw_body`, which SageMakerRuntimeResponse does not. An image body, JPEG
(0xFF 0xD8 …) or PNG (0x89 'PNG' …), is never valid UTF-8, so every real InvokeEndpoint request answers HTTP 500
(UnicodeDecodeError). Here the runtime keeps the body as bytes and identifies a request by the body's base64
text instead of the text itself; everything else (the result queue of /moto-api/static/sagemaker/endpoint-results,
IAM authorization, the response) is moto's own.
"""

from __future__ import annotations

import base64

from moto.sagemakerruntime.responses import SageMakerRuntimeResponse
from moto.server import main

_invoke_endpoint = SageMakerRuntimeResponse.invoke_endpoint


def _invoke_endpoint_with_any_body(self):
    if isinstance(self.body, bytes):
        self.body = base64.b64encode(self.body).decode("ascii")
    return _invoke_endpoint(self)


SageMakerRuntimeResponse.use_raw_body = True
SageMakerRuntimeResponse.invoke_endpoint = _invoke_endpoint_with_any_body

if __name__ == "__main__":
    main()

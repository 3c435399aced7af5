"""How the SageMaker PyTorch inference container calls inference.py, reproduced for the tests.

The toolkit is not installed here, so its calling contract is restated from its source:
aws/sagemaker-inference-toolkit 1.10.1, src/sagemaker_inference/transformer.py (the copy vendored in
aws/sagemaker-pytorch-inference-toolkit 2.0.25 behaves the same), default_handler_service.py, environment.py:

- the user module is SAGEMAKER_PROGRAM without ".py", imported by name from /opt/ml/model/code, which
  TorchServe puts on PYTHONPATH; model_fn(model_dir) runs once, at the worker's start;
- per request: input_fn(body, content_type) → predict_fn(data, model) → output_fn(prediction, accept);
  every handler gets one more argument, the request context, when its signature has exactly one more
  parameter, and a TypeError otherwise (Transformer._run_handler_function);
- the body is TorchServe's bytearray, decoded to str only for application/json and text/csv; a missing
  Accept or */* becomes SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT (default application/json);
- a tuple from output_fn is (body, response content type), otherwise the response type is the Accept;
- a BaseInferenceToolkitError answers with its status_code and message; any other exception with 500.
"""

from __future__ import annotations

import importlib
import inspect
import os
from dataclasses import dataclass
from types import ModuleType

UTF8_TYPES = ("application/json", "text/csv")


@dataclass
class Response:
    status: int
    content_type: str | None
    body: object


class Context:
    """The parts of TorchServe's context the Transformer uses."""

    def __init__(self, model_dir: str, headers: dict[str, str] | None = None):
        self.system_properties = {"model_dir": model_dir}
        self.headers = headers or {}
        self.status: int | None = None
        self.content_type: str | None = None

    def set_response_status(self, code: int, phrase: str) -> None:
        self.status = code

    def set_response_content_type(self, index: int, content_type: str) -> None:
        self.content_type = content_type


def call_handler(function, context: Context, *args):
    """Transformer._run_handler_function: the context goes in when the signature has room for it."""
    parameters = len(inspect.signature(function).parameters)
    if parameters == len(args):
        return function(*args)
    if parameters == len(args) + 1:
        return function(*args, context)
    raise TypeError(f"{function.__name__} takes {parameters} arguments but {len(args)} were given.")


class Worker:
    """One model server worker: the user module imported like the toolkit does, and its model loaded."""

    def __init__(self, model_dir: str, module: ModuleType | None = None):
        self.model_dir = model_dir
        self.module = module or importlib.import_module(os.environ.get("SAGEMAKER_PROGRAM", "inference.py").removesuffix(".py"))
        self.model = call_handler(self.module.model_fn, Context(model_dir), model_dir)

    def invoke(self, body: bytes, content_type: str | None, accept: str | None = None) -> Response:
        """One InvokeEndpoint request."""
        context = Context(self.model_dir, {k: v for k, v in (("Content-Type", content_type), ("Accept", accept)) if v})
        if not accept or accept == "*/*":
            accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json")
        data = bytearray(body)
        if content_type in UTF8_TYPES:
            data = data.decode("utf-8")
        m = self.module
        try:
            decoded = call_handler(m.input_fn, context, data, content_type)
            prediction = call_handler(m.predict_fn, context, decoded, self.model)
            result = call_handler(m.output_fn, context, prediction, accept)
        except Exception as e:  # noqa: BLE001 - the toolkit turns every exception into a response
            if isinstance(e, m.BaseInferenceToolkitError):
                return Response(e.status_code, None, e.message)
            return Response(500, None, str(e))
        body, response_type = result if isinstance(result, tuple) else (result, accept)
        return Response(context.status or 200, response_type, body)

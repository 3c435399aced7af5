"""The data-quality analyzer's record preprocessing, reproduced for the tests. Run it without site-packages:

    python -B -I -S model_monitor_analyzer.py <preprocessor.py> < capture.jsonl > records.jsonl

The contract, restated from the analyzer image's own wrapper (the PreProcessorWrapper of
sagemaker-model-monitor-analyzer, read in a public copy of its Python sources) and the CapturedData
class AWS documents in "Preprocessing and Postprocessing" (Model Monitor developer guide):

- the script is loaded alone, by file path, as a module named `preprocessor`; it must define preprocess_handler;
- every stdin line, one SageMaker data-capture record, is parsed with json.loads; lines of shadow variants
  (eventMetadata.invocationSource == "ShadowExperiment") are skipped; the rest are wrapped in CapturedData;
- the handler is called with (inference_record, logger) when it has a parameter named `logger`, otherwise
  with (inference_record); what it returns is printed as json.dumps(...), one line per record (a dict is
  one record, [] none); an exception fails the monitoring job.

Only the standard library is used, so running it with -S shows the preprocessor needs nothing else.
"""

import importlib.util
import inspect
import json
import logging
import sys


class EventData:
    def __init__(self, data):
        self.encoding = data.get("encoding")
        self.data = data.get("data")
        self.observedContentType = data.get("observedContentType")
        self.mode = data.get("mode")


class EventMetadata:
    def __init__(self, metadata):
        self.event_id = metadata.get("eventId")
        self.event_time = metadata.get("inferenceTime")
        self.custom_attribute = metadata.get("customAttributes")


class CapturedData:
    def __init__(self, event):
        capture = event.get("captureData", {})
        self.event_metadata = EventMetadata(event["eventMetadata"]) if "eventMetadata" in event else None
        self.endpoint_input = EventData(capture["endpointInput"]) if "endpointInput" in capture else None
        self.endpoint_output = EventData(capture["endpointOutput"]) if "endpointOutput" in capture else None
        self.batch_transform_output = None
        self.ground_truth = None
        self.event_version = event.get("eventVersion")


def main(script_path):
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    logger = logging.getLogger("Preprocessing")
    spec = importlib.util.spec_from_file_location("preprocessor", script_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = module.preprocess_handler
    takes_logger = "logger" in inspect.signature(handler).parameters
    for line in sys.stdin:
        event = json.loads(line)
        if event.get("eventMetadata", {}).get("invocationSource") == "ShadowExperiment":
            continue
        record = CapturedData(event)
        print(json.dumps(handler(record, logger) if takes_logger else handler(record)))


if __name__ == "__main__":
    main(sys.argv[1])

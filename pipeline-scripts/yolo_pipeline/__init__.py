"""Code shared by the pipeline scripts (train.py, evaluate.py, prepare.py, profile_images.py, inference.py,
monitoring_baseline.py).

The scripts are the entry points SageMaker runs; this package holds what more than one of them needs,
once: the SageMaker container contract (container), command-line conventions (cli), the YOLO dataset
layout and its validation (dataset), annotation conversion (convert), the Ultralytics offline set-up
(offline), the trained model artifact (model_artifact) and the per-image measurements (imagestats).
Nothing here imports torch or ultralytics at import time, so `--help` and dataset checks stay fast.
"""

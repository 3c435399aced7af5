"""Command-line conventions shared by the scripts.

- Errors a user can fix are `PipelineError`s; their message quotes the bad value and says what is valid,
  in the Ultralytics style: `'epochs=0' is an invalid value. Valid 'epochs' values are integers >= 1.`
- Argument values are checked by the `type=` functions below, so values that come from SM_HPS defaults
  are checked exactly like command-line ones.
- `run(main, failure_file)` is the one place that turns an exception into a log entry, the SageMaker
  failure file and a non-zero exit code.
- Logs go to stderr; stdout is left to Ultralytics' progress output and the `name=value` metric lines.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from pathlib import Path
from typing import Callable, NoReturn, Sequence

from . import container

EXIT_FAILURE = 1
EXIT_USAGE = 2

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


class PipelineError(Exception):
    """An error caused by the input (arguments, data, model); its message is written for the user.

    str(error) is short enough for SageMaker's FailureReason; details() may be longer and goes to the log.
    """

    exit_code = EXIT_FAILURE

    def details(self) -> str:
        return str(self)


class UsageError(PipelineError):
    """A bad command-line argument or hyperparameter."""

    exit_code = EXIT_USAGE


def invalid_value(name: str, value: object, valid: str) -> UsageError:
    """The Ultralytics-style error for a bad argument value."""
    return UsageError(f"'{name}={value}' is an invalid value. Valid '{name}' values are {valid}.")


class ArgumentParser(argparse.ArgumentParser):
    """argparse with exact option names and errors that reach the failure file instead of exiting."""

    def __init__(self, *args, **kwargs):
        # Abbreviations would let a mistyped hyperparameter (`--epoch`) silently bind to another option.
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}. Run '{self.prog} --help' for the valid arguments.")


def integer(name: str, minimum: int | None = None, maximum: int | None = None) -> Callable[[object], int]:
    """An argparse `type` accepting integers in [minimum, maximum] (also integral floats such as '16.0')."""

    def describe() -> str:
        if minimum is not None and maximum is not None:
            return f"integers from {minimum} to {maximum}"
        if minimum is not None:
            return f"integers >= {minimum}"
        return "integers"

    def parse(value: object) -> int:
        try:
            number = float(value)
            if not number.is_integer():
                raise ValueError
            result = int(number)
        except (TypeError, ValueError, OverflowError):
            raise invalid_value(name, value, describe()) from None
        if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
            raise invalid_value(name, value, describe())
        return result

    return parse


def number(name: str, greater_than: float | None = None, maximum: float | None = None) -> Callable[[object], float]:
    """An argparse `type` accepting finite numbers > greater_than and <= maximum."""

    def describe() -> str:
        parts = []
        if greater_than is not None:
            parts.append(f"> {greater_than:g}")
        if maximum is not None:
            parts.append(f"<= {maximum:g}")
        return "numbers " + " and ".join(parts) if parts else "numbers"

    def parse(value: object) -> float:
        try:
            result = float(value)
        except (TypeError, ValueError):
            raise invalid_value(name, value, describe()) from None
        if not math.isfinite(result) or (greater_than is not None and result <= greater_than) or (
            maximum is not None and result > maximum
        ):
            raise invalid_value(name, value, describe())
        return result

    return parse


def fraction(name: str) -> Callable[[object], float]:
    """An argparse `type` accepting numbers in [0, 1)."""

    def parse(value: object) -> float:
        try:
            result = float(value)
        except (TypeError, ValueError):
            raise invalid_value(name, value, "numbers from 0 (inclusive) to 1 (exclusive)") from None
        if not 0 <= result < 1:
            raise invalid_value(name, value, "numbers from 0 (inclusive) to 1 (exclusive)")
        return result

    return parse


def image_size(name: str = "image-size") -> Callable[[object], int]:
    """An argparse `type` for YOLO image sizes: multiples of 32 (the largest stride of the model)."""

    def parse(value: object) -> int:
        size = integer(name, 32)(value)
        if size % 32:
            raise invalid_value(name, value, "multiples of 32 >= 32 (the model's largest stride)")
        return size

    return parse


def device(name: str = "device") -> Callable[[object], str]:
    """An argparse `type` for auto | cpu | one GPU index (resolved by offline.resolve_device)."""

    def parse(value: object) -> str:
        text = str(value).strip().lower()
        if text in ("auto", "cpu") or text.isdigit():
            return text
        if "," in text:
            raise invalid_value(
                name, value,
                "auto, cpu or one GPU index such as 0 (multi-GPU DDP runs in subprocesses that would not print "
                "the metric lines; use a single-GPU instance)",
            )
        raise invalid_value(name, value, "auto, cpu or one GPU index such as 0")

    return parse


def boolean(name: str) -> Callable[[object], bool]:
    """An argparse `type` for flags that SageMaker passes as values (`--plots True`)."""

    def parse(value: object) -> bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise invalid_value(name, value, "true or false")

    return parse


def choice(name: str, choices: Sequence[str], normalize: Callable[[str], str] = str) -> Callable[[object], str]:
    """An argparse `type` accepting one of `choices` after `normalize`."""

    def parse(value: object) -> str:
        result = normalize(str(value).strip())
        if result not in choices:
            raise invalid_value(name, value, ", ".join(choices))
        return result

    return parse


def setup_logging(verbose: bool = False) -> None:
    """Log to stderr with timestamps (CloudWatch keeps both streams)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


def run(main: Callable[[Sequence[str] | None], int | None], failure_file: str) -> NoReturn:
    """Run a script's main(), mapping errors to a log entry, the failure file and an exit code."""
    setup_logging()
    log = logging.getLogger(Path(sys.argv[0]).stem or __name__)
    try:
        code = main(None) or 0
    except PipelineError as e:
        log.error("%s", e.details())
        container.write_failure(str(e), failure_file)
        code = e.exit_code
    except KeyboardInterrupt:
        log.error("Interrupted")
        container.write_failure("Interrupted (SIGINT).", failure_file)
        code = 130
    except Exception as e:  # noqa: BLE001 - anything else is a bug or an environment problem; report it too
        log.exception("Unexpected error")
        container.write_failure(f"Unexpected error: {type(e).__name__}: {e}", failure_file)
        code = EXIT_FAILURE
    sys.stdout.flush()
    sys.exit(code)

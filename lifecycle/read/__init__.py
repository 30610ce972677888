"""Readers: find inputs, detect each file's format by content, and feed every log event to a
``RecordSink``. One module per input format; ``inputs.read_inputs`` is the entry point."""

from lamlife.lifecycle.read.context import ReadOptions, ReadResult, function_from_group
from lamlife.lifecycle.read.detect import detect_format
from lamlife.lifecycle.read.inputs import read_inputs

__all__ = ["ReadOptions", "ReadResult", "detect_format", "function_from_group", "read_inputs"]

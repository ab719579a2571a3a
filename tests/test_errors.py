"""Bad arguments to the library's functions raise the library's own errors (dedup.errors), naming what is wrong."""

import io

import numpy as np
import pytest

from dedup import formats
from dedup import io as dio
from dedup.errors import ConfigError, DedupError
from dedup.verify import similarity_between


def test_unknown_on_error_is_a_config_error():
    with pytest.raises(ConfigError, match="on_error must be 'fail' or 'skip', got 'ignore'"):
        list(dio.read_inputs(["seeds"], on_error="ignore"))


def test_unknown_compression_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown compression 'lz4'"):
        formats.open_compressed_writer(io.BytesIO(), "lz4")
    with pytest.raises(ConfigError, match="unknown compression 'lz4'"):
        formats.open_compressed_reader(io.BytesIO(b""), "lz4")


def test_signatures_of_other_sizes_are_a_config_error():
    a, b = np.zeros((1, 8), np.uint32), np.zeros((1, 4), np.uint32)
    with pytest.raises(ConfigError, match="signatures of 8 and 4 values"):
        similarity_between(a, np.ones(1, np.int64), b, np.ones(1, np.int64), np.array([[0, 0]]))


def test_every_library_error_is_a_dedup_error():
    assert issubclass(ConfigError, DedupError) and issubclass(ConfigError, ValueError)  # callers catching ValueError still do

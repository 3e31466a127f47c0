"""A Python file without kernels."""

VALUE = 1

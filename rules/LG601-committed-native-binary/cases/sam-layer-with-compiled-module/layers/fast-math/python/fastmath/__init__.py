from fastmath._speedups import dot  # noqa: F401

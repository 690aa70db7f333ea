"""What the test tiers and the benchmarks share, imported as modules (never through a conftest):

- ``paths``: the repository root and the dataset folder (both owned by ``training.data``), and
  ``need`` to skip a test when a dataset is absent;
- ``images``: images encoded at test time (EXIF orientations, header-only PNGs, malformed EXIF)
  and real face crops from the dataset;
- ``lambda_events``: API Gateway events as the SAM CLI generates them, a Lambda context object
  and the environment the template gives the function (standard library only);
- ``server``: the local server (``python -m facegender serve``) in a child process.

Nothing is imported here, so ``tests.support.lambda_events`` loads no third-party module.
"""

"""Training pipeline for the facegender eigenfaces model (``python -m training --help``)."""

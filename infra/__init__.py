"""Helpers for the AWS stack of template.yaml: stack outputs, website publishing, teardown."""

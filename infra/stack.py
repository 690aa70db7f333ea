"""Read a deployed stack's outputs by key (the ``Outputs`` of template.yaml).

Command line, for infra/aws.mk::

    python -m infra.stack --stack-name facegender output PredictUrl
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

import boto3
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

OUTPUT_KEYS = (
    "ApiUrl", "PredictUrl", "WebsiteUrl", "WebsiteBucket", "DistributionId", "FunctionName"
)
#: The S3 batch's outputs (infra/batch.py reads them).
BATCH_OUTPUT_KEYS = ("BatchStateMachineArn", "BatchBucket", "BatchInputBucket", "BatchInputPrefix")


# What the command-line helpers catch and print as one line instead of a traceback.
SETUP_ERRORS = (NoCredentialsError, NoRegionError)
SETUP_HINT = (
    "configure AWS credentials and a region (aws configure, AWS_PROFILE, AWS_REGION or --region)"
)


class StackError(Exception):
    """The stack is missing, or lacks an output the caller needs."""


def errors_as_one_line(known: tuple[type[Exception], ...] = (), code: int = 1):
    """Decorate a command's ``main``: the ``known`` errors print as one ``error:`` line on stderr
    and exit with ``code``, AWS set-up errors (no credentials, no region) with a hint and exit
    code 2; anything else stays a traceback, because it is a bug."""

    def decorate(main: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(main)
        def guarded(*args, **kwargs) -> int:
            try:
                return main(*args, **kwargs)
            except known as error:
                print(f"error: {error}", file=sys.stderr)
                return code
            except SETUP_ERRORS as error:
                print(f"error: {error}: {SETUP_HINT}", file=sys.stderr)
                return 2

        return guarded

    return decorate


def describe_stack(stack_name: str, *, cloudformation=None) -> dict | None:
    """The stack's description, or None when no stack of that name exists."""
    cloudformation = cloudformation or boto3.client("cloudformation")
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return stacks[0] if stacks else None


def stack_outputs(stack_name: str, *, cloudformation=None, required=OUTPUT_KEYS) -> dict[str, str]:
    """``{OutputKey: OutputValue}`` of the stack; StackError if one of ``required`` is missing."""
    stack = describe_stack(stack_name, cloudformation=cloudformation)
    if stack is None:
        raise StackError(f"stack {stack_name!r} not found: deploy it first (make deploy)")
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
    missing = [key for key in required if key not in outputs]
    if missing:
        raise StackError(
            f"stack {stack_name!r} has no output {', '.join(missing)}; "
            "is it the stack of template.yaml "
            f"(status {stack.get('StackStatus')})?"
        )
    return outputs


@errors_as_one_line((StackError,), code=1)
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.stack", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", help="AWS region (default: the AWS configuration's)")
    commands = parser.add_subparsers(dest="command", required=True)
    output = commands.add_parser("output", help="print one output value")
    output.add_argument("key", choices=OUTPUT_KEYS + BATCH_OUTPUT_KEYS)
    args = parser.parse_args(argv)

    cloudformation = boto3.client("cloudformation", region_name=args.region)
    outputs = stack_outputs(args.stack_name, cloudformation=cloudformation, required=(args.key,))
    print(outputs[args.key])
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Build a Lambda-compatible Python image for `sam local` without pulling from any container
# registry: a Debian root filesystem from debootstrap, the Lambda runtime interface client
# (awslambdaric) and boto3 from PyPI, imported with `docker import`.
#
# On a machine that can pull images, `sam local` uses the official
# public.ecr.aws/lambda/python image instead and this script is not needed.
#
# Usage: sudo infra/build_local_lambda_image.sh [IMAGE_TAG]
# Environment: SUITE (Debian suite, its python3 must match PYTHON_VERSION), MIRROR, PYTHON_VERSION.
# Needs: root, debootstrap, docker with a running engine, python3 -m pip.
set -euo pipefail

IMAGE=${1:-${LAMBDA_LOCAL_IMAGE:-facegender-lambda-python:3.13}}
# Debian trixie ships Python 3.13, the runtime the template deploys (python3.13).
SUITE=${SUITE:-trixie}
PYTHON_VERSION=${PYTHON_VERSION:-3.13}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

for tool in debootstrap docker tar; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found (apt-get install -y debootstrap docker.io)" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "error: no running Docker engine (see infra/aws.mk: docker-engine)" >&2; exit 1; }
if [ "$(id -u)" != 0 ]; then echo "error: debootstrap needs root" >&2; exit 1; fi

work=$(mktemp -d /var/tmp/lambda-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs

echo "== debootstrap $SUITE (minbase + python3) from $MIRROR"
debootstrap --variant=minbase --include=python3,ca-certificates "$SUITE" "$root" "$MIRROR" \
    > "$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; exit 1; }

have=$(chroot "$root" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$have" != "$PYTHON_VERSION" ]; then
    echo "error: $SUITE has Python $have, expected $PYTHON_VERSION (set SUITE)" >&2
    exit 1
fi

echo "== runtime interface client and boto3 (the Lambda runtime provides boto3) into /var/runtime"
python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --no-compile \
    --target "$root/var/runtime" --implementation cp --python-version "$PYTHON_VERSION" \
    --only-binary=:all: --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
    awslambdaric boto3

# Same lookup order as the managed runtime: function code, layers, then the runtime's packages.
cat > "$root/var/runtime/bootstrap" <<'BOOT'
#!/bin/sh
export PYTHONPATH="${LAMBDA_TASK_ROOT:-/var/task}:/opt/python:/var/runtime${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3 -m awslambdaric "${_HANDLER:-$AWS_LAMBDA_FUNCTION_HANDLER}"
BOOT
chmod 755 "$root/var/runtime/bootstrap"
mkdir -p "$root/var/task" "$root/opt" "$root/var/rapid"

# Trim what a function never reads.
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
       "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/*

echo "== docker import $IMAGE"
tar -C "$root" -c . | docker import \
    --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
    --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV TZ=:UTC' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'WORKDIR /var/task' \
    --change 'ENTRYPOINT ["/var/runtime/bootstrap"]' \
    - "$IMAGE" >/dev/null
docker image ls "$IMAGE"

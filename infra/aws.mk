# AWS targets, included from the root Makefile (which defines VENV, PY and $(VENV)/.installed).
#   make validate      cfn-lint + sam validate --lint
#   make sam-build     sam build (pip wheels for the Lambda platform, no container; see function/Makefile)
#   make deploy        sam build + one sam deploy + publish frontend/ (needs AWS credentials)
#                      (`make -n deploy` prints the commands without running them)
#   make destroy       empty the website bucket, delete the stack
#   make batch S3=s3://bucket/input/photos/ [OUT=results.jsonl]
#                      the S3 batch: start, follow, merge the results (see infra/README.md)
#   make sam-local-ready   Docker engine + a local Lambda Python image, for the `sam local` test
# Variables: STACK_NAME (default facegender), AWS_REGION (default: your AWS configuration),
#            PARAMS ("Key=Value ..." template parameter overrides).

SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
STACK_NAME ?= facegender
PARAMS ?=
LAMBDA_LOCAL_IMAGE ?= facegender-lambda-python:3.13
export LAMBDA_LOCAL_IMAGE
export SAM_CLI_TELEMETRY ?= 0
REGION_ARG = $(if $(AWS_REGION),--region $(AWS_REGION))
SAM_DEPLOY = $(SAM) deploy --stack-name $(STACK_NAME) $(REGION_ARG) --no-fail-on-empty-changeset

.PHONY: batch sam-venv validate sam-build deploy publish-site destroy docker-engine lambda-image sam-local-ready

# The SAM CLI pins boto3, click and pydantic: it gets a virtual environment of its own.
sam-venv: $(SAM_VENV)/.installed

$(SAM_VENV)/.installed:
	test -x $(SAM_VENV)/bin/python || python3 -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q --disable-pip-version-check "aws-sam-cli>=1.120"
	touch $@

validate: $(VENV)/.installed sam-venv
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint

sam-build: sam-venv
	$(SAM) build

# One pass: the stack holds the website and its API behind one CloudFront origin, so nothing
# needs to know a generated domain before it exists. Then the site upload.
deploy: sam-build $(VENV)/.installed
	$(SAM_DEPLOY)$(if $(strip $(PARAMS)), --parameter-overrides "$(strip $(PARAMS))")
	$(MAKE) --no-print-directory publish-site
	@echo "website: $$($(PY) -m infra.stack --stack-name $(STACK_NAME) $(REGION_ARG) output WebsiteUrl)"
	@echo "API:     $$($(PY) -m infra.stack --stack-name $(STACK_NAME) $(REGION_ARG) output PredictUrl)"

OUT ?= results.jsonl
batch: $(VENV)/.installed
	@test -n "$(S3)" || { echo "usage: make batch S3=s3://bucket/input/photos/ [OUT=results.jsonl]" >&2; exit 2; }
	$(PY) -m facegender batch "$(S3)" --output "$(OUT)" --stack-name $(STACK_NAME) $(REGION_ARG)

publish-site: $(VENV)/.installed
	$(PY) -m infra.publish_site --stack-name $(STACK_NAME) $(REGION_ARG)

destroy: sam-venv $(VENV)/.installed
	$(PY) -m infra.destroy --stack-name $(STACK_NAME) $(REGION_ARG)
	$(SAM) delete --stack-name $(STACK_NAME) $(REGION_ARG) --no-prompts

# --- sam local: a Docker engine and a Lambda-compatible Python image built offline -------------
# Best effort: when the engine cannot start, these say so loudly and the sam local test skips
# with the reason; they never fail `make test`.
docker-engine:
	@if docker info >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then \
		echo "installing Debian's docker.io and debootstrap for the sam local test"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap; } \
			>/tmp/facegender-apt-docker.log 2>&1 \
			|| echo "!!! apt-get install docker.io debootstrap failed: see /tmp/facegender-apt-docker.log"; \
	fi; \
	if command -v dockerd >/dev/null; then \
		echo "starting dockerd (log: /tmp/facegender-dockerd.log)"; \
		setsid nohup dockerd >/tmp/facegender-dockerd.log 2>&1 < /dev/null & \
		for i in $$(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done; \
	fi; \
	docker info >/dev/null 2>&1 \
		|| echo "!!! NO DOCKER ENGINE: the sam local test will skip (see /tmp/facegender-dockerd.log)"

lambda-image: docker-engine
	@if ! docker info >/dev/null 2>&1; then exit 0; fi; \
	if docker image inspect $(LAMBDA_LOCAL_IMAGE) >/dev/null 2>&1; then exit 0; fi; \
	bash infra/build_local_lambda_image.sh $(LAMBDA_LOCAL_IMAGE) \
		|| echo "!!! building $(LAMBDA_LOCAL_IMAGE) failed: the sam local test will skip"

sam-local-ready: sam-venv lambda-image

# The grader image for grading Jobs (hub/k8s/DEPLOY.md, "Grading on Kubernetes"): the course
# repository WITHOUT solutions/ (the hidden material comes from a Secret, mounted into the
# grading pods only), with its .venv, at /opt/convnets/course. Build it from a clean
# checkout of the full (private) repository, push it to a private registry:
#   docker build -f hub/k8s/grader.Dockerfile -t registry.example.org/convnets/convnets-grader:0.1.0 .
FROM python:3.11-slim-bookworm
# unshare and setpriv (util-linux) start the sandbox; git-free, no compilers.
RUN apt-get update && apt-get install -y --no-install-recommends util-linux tar \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/convnets/course
COPY requirements.txt pyproject.toml ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements.txt
COPY autograder/ autograder/
COPY convnets/ convnets/
RUN .venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation -e . \
    && mkdir -p solutions && chmod -R a+rX /opt/convnets
# The sandbox's job slots map to uids 61000+ inside its own user namespace; the pod runs as 1000.
USER 1000:1000

# Build the virtualenv in a builder stage; the runtime stage has no Poetry.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS builder
ARG POETRY_VERSION=2.5.1
ARG PLUGIN_VERSION=0.1.0
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir "poetry==${POETRY_VERSION}" \
        "poetry-plugin-install-locked==${PLUGIN_VERSION}" \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
WORKDIR /app
COPY poetry.lock ./
RUN poetry install-locked --only main
COPY . .
RUN poetry install --only main

# The same base, so the virtualenv's interpreter links resolve.
FROM ${BASE_IMAGE} AS runtime
WORKDIR /app
COPY --from=builder /app /app
ENV PATH=/app/.venv/bin:$PATH
CMD ["python", "-m", "app"]

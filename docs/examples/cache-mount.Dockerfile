# BuildKit: keep Poetry's download cache between builds, outside the image.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ARG POETRY_VERSION=2.5.1
ARG PLUGIN_VERSION=0.1.0
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir "poetry==${POETRY_VERSION}" \
        "poetry-plugin-install-locked==${PLUGIN_VERSION}" \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

WORKDIR /app
COPY poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry \
    poetry install-locked --only main
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry \
    poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

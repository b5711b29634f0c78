# The fast path: Poetry decides what to install, uv installs it, from a BuildKit
# cache mount that keeps uv's cache between builds (outside the image).
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ARG POETRY_VERSION=2.5.1
ARG PLUGIN_VERSION=0.1.0
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir "poetry==${POETRY_VERSION}" \
        "poetry-plugin-install-locked[uv]==${PLUGIN_VERSION}" \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

WORKDIR /app
COPY poetry.lock ./
# The cache mount is another file system than the image's: uv copies from it.
ENV POETRY_INSTALL_LOCKED_INSTALLER=uv UV_LINK_MODE=copy
RUN --mount=type=cache,target=/root/.cache/uv \
    poetry install-locked --only main
COPY . .
RUN poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

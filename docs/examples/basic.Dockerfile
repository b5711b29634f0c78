# The two-layer recipe: dependencies from poetry.lock alone, then the code.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# Poetry and the plugin, pinned (the plugin is tested against these Poetry
# versions), in a virtualenv of their own, poetry on PATH.
ARG POETRY_VERSION=2.5.1
ARG PLUGIN_VERSION=0.1.0
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir "poetry==${POETRY_VERSION}" \
        "poetry-plugin-install-locked==${PLUGIN_VERSION}" \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

WORKDIR /app
# Dependency layer: its only input is poetry.lock, so a version bump keeps it cached.
COPY poetry.lock ./
RUN poetry install-locked --only main
# Code layer: Poetry adopts /app/.venv and installs only the project itself.
COPY . .
RUN poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

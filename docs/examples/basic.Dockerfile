# The two-layer recipe: dependencies from poetry.lock alone, then the code.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# Poetry and the plugin in a virtualenv of their own, poetry on PATH.
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir poetry poetry-plugin-install-locked \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

WORKDIR /app
# Dependency layer: its only input is poetry.lock, so a version bump keeps it cached.
COPY poetry.lock ./
RUN poetry install-locked --only main
# Code layer: Poetry adopts /app/.venv and installs only the project itself.
COPY . .
RUN poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

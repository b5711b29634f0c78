# The exact slice: the slicer stage has pyproject.toml beside poetry.lock, so
# Poetry knows which groups are optional and reads Poetry 1.x-era locks too; the
# production stage copies only the slice, unchanged by a version bump.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS tools
ARG POETRY_VERSION=2.5.1
ARG PLUGIN_VERSION=0.1.0
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir "poetry==${POETRY_VERSION}" \
        "poetry-plugin-install-locked==${PLUGIN_VERSION}" \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

FROM tools AS slicer
WORKDIR /src
COPY pyproject.toml poetry.lock ./
# Runs again on any change to either file (about a second).
RUN poetry lock-slice --only main -o /slice/poetry.lock

FROM tools
WORKDIR /app
# Dependency layer: its input is the slice, unchanged by a version bump.
COPY --from=slicer /slice/poetry.lock ./
RUN poetry install-locked
# Code layer: Poetry adopts /app/.venv and installs only the project itself.
COPY . .
RUN poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

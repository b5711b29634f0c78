# For comparison: the usual recipe, whose dependency layer also depends on
# pyproject.toml and so is rebuilt on every version bump.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ARG POETRY_VERSION=2.5.1
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir "poetry==${POETRY_VERSION}" \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

WORKDIR /app
ENV POETRY_VIRTUALENVS_IN_PROJECT=true
COPY pyproject.toml poetry.lock ./
RUN poetry install --no-root --only main
COPY . .
RUN poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

# BuildKit: keep Poetry's download cache between builds, outside the image.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir poetry poetry-plugin-install-locked \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

WORKDIR /app
COPY poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry \
    poetry install-locked --only main
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry \
    poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

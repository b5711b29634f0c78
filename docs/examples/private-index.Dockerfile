# BuildKit: credentials for a private source as a secret mount, so they never
# enter a layer or the image history (an ARG or ENV would).
# docker build --secret id=poetry-auth,src=auth.toml .
# where auth.toml holds:  [http-basic.SOURCE_NAME]  username = "..."  password = "..."
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir poetry poetry-plugin-install-locked \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry

WORKDIR /app
COPY poetry.lock ./
RUN --mount=type=secret,id=poetry-auth,target=/root/.config/pypoetry/auth.toml \
    poetry install-locked --only main
COPY . .
RUN --mount=type=secret,id=poetry-auth,target=/root/.config/pypoetry/auth.toml \
    poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

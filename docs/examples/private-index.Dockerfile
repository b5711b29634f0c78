# BuildKit: credentials for a private source as a secret mount, so they never
# enter a layer or the image history (an ARG or ENV would).
# docker build --secret id=poetry-auth,src=auth.toml .
# where auth.toml holds:  [http-basic.SOURCE_NAME]  username = "..."  password = "..."
# Poetry reads auth.toml from its config directory, /root/.config/pypoetry for root;
# for a build user USER mount it at /home/USER/.config/pypoetry/auth.toml (or in
# the directory POETRY_CONFIG_DIR names).
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
RUN --mount=type=secret,id=poetry-auth,target=/root/.config/pypoetry/auth.toml \
    poetry install-locked --only main
COPY . .
RUN --mount=type=secret,id=poetry-auth,target=/root/.config/pypoetry/auth.toml \
    poetry install --only main

CMD ["/app/.venv/bin/python", "-m", "app"]

# No Poetry in production, pip alone: as pylock.Dockerfile, with pip >= 26.1,
# which installs a pylock.toml without git packages (it cannot hash those).
# Private sources: docker build --secret id=poetry-auth,src=auth.toml \
#   --secret id=netrc,src=netrc .   (auth.toml for Poetry, a netrc for uv)
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS slicer
ARG POETRY_VERSION=2.5.1
ARG PLUGIN_VERSION=0.1.0
RUN python3 -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --no-cache-dir "poetry==${POETRY_VERSION}" \
        "poetry-plugin-install-locked==${PLUGIN_VERSION}" \
    && ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry
WORKDIR /src
COPY poetry.lock ./
# Runs again on any change to poetry.lock; the file changes only when what
# production installs does. The sources are asked where each file is, many at a
# time; Poetry's cache, kept in a cache mount, answers for the pages they let it.
RUN --mount=type=cache,target=/root/.cache/pypoetry \
    --mount=type=secret,id=poetry-auth,target=/root/.config/pypoetry/auth.toml \
    poetry lock-slice --only main --format pylock -o /slice/pylock.toml

FROM ${BASE_IMAGE}
WORKDIR /app
# Dependency layer: its input is the pylock.toml; pip's cache in a cache mount.
COPY --from=slicer /slice/pylock.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=netrc,target=/root/.netrc \
    python3 -m venv /app/.venv \
    && /app/.venv/bin/pip install "pip>=26.1" \
    && /app/.venv/bin/pip install -r pylock.toml
# Code layer: the project itself, without its dependencies.
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    /app/.venv/bin/pip install --no-deps .

CMD ["/app/.venv/bin/python", "-m", "app"]

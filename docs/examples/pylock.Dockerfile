# No Poetry in production: a stage of its own writes the part of poetry.lock that
# production installs as a PEP 751 pylock.toml (each file's URL looked up in its
# source), and production installs it with uv alone.
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
ARG UV_VERSION=0.13.9
RUN python3 -m venv /opt/uv \
    && /opt/uv/bin/pip install --no-cache-dir "uv==${UV_VERSION}" \
    && ln -s /opt/uv/bin/uv /usr/local/bin/uv
WORKDIR /app
# Dependency layer: its input is the pylock.toml; uv's cache in a cache mount.
COPY --from=slicer /slice/pylock.toml ./
ENV UV_LINK_MODE=copy UV_PREVIEW_FEATURES=pylock
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=secret,id=netrc,target=/root/.netrc \
    uv venv /app/.venv && uv pip sync --python /app/.venv/bin/python pylock.toml
# Code layer: the project itself, without its dependencies.
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv pip install --python /app/.venv/bin/python --no-deps .

CMD ["/app/.venv/bin/python", "-m", "app"]

#!/usr/bin/env bash
# Makes a Docker engine and the tests' base image available (run as root on Debian).
#
# Reuses an engine that already answers; otherwise installs Debian's docker.io and
# debootstrap, starts dockerd without iptables or a bridge (builds and runs use
# --network=host) and waits for it. With no registry to pull from, the base image
# (Debian bookworm with python3, venv and pip) is made with debootstrap and
# `docker import`, and cached by tag. Installs Debian's docker-registry too.
set -euo pipefail

BASE_IMAGE="${BASE_IMAGE:-install-locked-test/bookworm-python:1}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/install-locked-dockerd.log}"
# Debian's client: its BuildKit support matches Debian's daemon.
DOCKER=/usr/bin/docker

engine_answers() { [ -x "$DOCKER" ] && timeout 20 "$DOCKER" info >/dev/null 2>&1; }

if ! engine_answers; then
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1 \
        || [ ! -x "$DOCKER" ]; then
        echo "docker-engine: installing docker.io and debootstrap" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq docker.io debootstrap >/dev/null
    fi
    if ! pgrep -x dockerd >/dev/null; then
        # A daemon killed with its session leaves its pid files behind.
        rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
        echo "docker-engine: starting dockerd (log: $DOCKERD_LOG)" >&2
        nohup dockerd --iptables=false --ip6tables=false --bridge=none \
            >"$DOCKERD_LOG" 2>&1 &
    fi
    for _ in $(seq 1 120); do
        engine_answers && break
        sleep 1
    done
    engine_answers || { echo "docker-engine: dockerd did not answer" >&2; tail -20 "$DOCKERD_LOG" >&2; exit 1; }
fi

# The CI recipe tests push to a registry of their own on 127.0.0.1 (Debian's
# docker-registry, run by the tests). The package's own service, where systemd
# starts it, is stopped and disabled: the tests need only the program.
if ! command -v docker-registry >/dev/null 2>&1; then
    echo "docker-engine: installing docker-registry" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker-registry >/dev/null
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now docker-registry >/dev/null 2>&1 || true
    fi
fi

if ! "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    if ! command -v debootstrap >/dev/null 2>&1 \
        || [ ! -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
        echo "docker-engine: installing debootstrap and Debian's archive keyring" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq debootstrap debian-archive-keyring >/dev/null
    fi
    rootfs="$(mktemp -d /var/tmp/install-locked-rootfs.XXXXXX)"
    trap 'rm -rf "$rootfs"' EXIT
    echo "docker-engine: building $BASE_IMAGE with debootstrap" >&2
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | "$DOCKER" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
fi
echo "docker-engine: ready ($("$DOCKER" version --format '{{.Server.Version}}'), base image $BASE_IMAGE)" >&2

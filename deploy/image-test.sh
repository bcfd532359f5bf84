#!/usr/bin/env bash
# `make image-test`: build deploy/Dockerfile and test the image for real (tests/deploy/test_image.py and
# tests/deploy/test_docker_build.py against it): `ask` and `check`, /healthz, /metrics and the image's own
# HEALTHCHECK, the non-root user on a read-only root with no capability, a Slack HTTP-mode answer through the
# tests' fake Slack, and a clean stop on SIGTERM. Then compose.yaml's scale profile, brought up with `docker compose`
# (tests/deploy/test_compose_scale.py): PostgreSQL and two shard processes against the tests' fake Discord.
#
# What it needs, it gets where it can, as root on Debian: Debian's docker.io (Docker 20.10, whose CLI builds with
# BuildKit) when no docker engine is installed, dockerd started for the run and stopped after it when none is
# running. The base is the official Python image where it is present or a registry serves it; elsewhere a minimal
# Debian bookworm with python3 and pip, made by mmdebstrap from Debian's packages and imported once as
# faqbot-base:bookworm (trusting this host's CA bundle, so that installs inside the build work behind it).
# Compose v2 where `docker compose` is missing: Debian 13's docker-compose package (Debian 12 has only 1.29, too
# old for compose.yaml). PostgreSQL: the image compose.yaml names where present or pulled, else one built once from
# Debian's packages on that local base (deploy/postgres/, kept as faqbot-postgres:bookworm).
#
# Environment: FAQBOT_BASE_IMAGE picks the base; IMAGE_TEST_REBUILD_BASE=1 makes the Debian base (and the local
# PostgreSQL image) again;
# IMAGE_TEST_OPTIONAL=1 (CI) turns "no container engine can run here" into one line and exit 0 instead of a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=faqbot:image-test
LOCAL_BASE=faqbot-base:bookworm
LOCAL_POSTGRES=faqbot-postgres:bookworm
RECIPE_LABEL=faqbot.postgres-recipe
POSTGRES_IMAGE=""
LABEL=faqbot.image-test=1
PY=.venv/bin/python
started=$SECONDS
work=$(mktemp -d)
dockerd_pid=""
DOCKER=""

say() { printf 'image-test: %s\n' "$*"; }
elapsed() { printf '%ds' $((SECONDS - ${1:-$started})); }

# No container engine can run here: a failure when asked for, one line and success where it is optional (CI).
unavailable() {
    if [[ "${IMAGE_TEST_OPTIONAL:-}" == 1 ]]; then
        say "skipped: $* (the image is not built nor tested on this machine)"
        exit 0
    fi
    say "cannot run: $*" >&2
    exit 1
}

cleanup() {
    local code=$?
    set +e
    if [[ -n "$DOCKER" ]] && "$DOCKER" info >/dev/null 2>&1; then
        # Whatever a test left behind, found by the label every container, volume and network of theirs carries.
        "$DOCKER" ps --all --quiet --filter "label=$LABEL" | xargs --no-run-if-empty timeout 60 "$DOCKER" rm --force >/dev/null
        "$DOCKER" volume ls --quiet --filter "label=$LABEL" | xargs --no-run-if-empty timeout 60 "$DOCKER" volume rm --force >/dev/null
        "$DOCKER" network ls --quiet --filter "label=$LABEL" | xargs --no-run-if-empty timeout 60 "$DOCKER" network rm >/dev/null
        # Earlier builds of the test tag, now untagged.
        timeout 120 "$DOCKER" image prune --force --filter "label=$LABEL" >/dev/null
    fi
    if [[ -n "$dockerd_pid" ]]; then
        say "stopping the dockerd this run started (pid $dockerd_pid)"
        kill -TERM "$dockerd_pid" 2>/dev/null
        for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$dockerd_pid" 2>/dev/null
    fi
    rm -rf "$work"
    say "finished in $(elapsed) with exit code $code"
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_root() { [[ "$(id -u)" == 0 ]]; }

apt_install() {
    as_root && command -v apt-get >/dev/null || return 1
    say "installing $* from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq </dev/null >"$work/apt.log" 2>&1 \
        && timeout 900 apt-get install -y -qq --no-install-recommends "$@" </dev/null >>"$work/apt.log" 2>&1 \
        || { tail -5 "$work/apt.log" >&2; return 1; }
}

# A docker command that builds with BuildKit: a CLI before 23 has it built in (DOCKER_BUILDKIT=1), a later one
# needs the buildx plugin. Debian's docker.io puts a 20.10 CLI at /usr/bin/docker.
buildkit_docker() {
    local candidate version
    for candidate in "$(command -v docker || true)" /usr/bin/docker; do
        [[ -x "$candidate" ]] || continue
        version=$("$candidate" version --format '{{.Client.Version}}' 2>/dev/null || true)
        if [[ "$version" =~ ^([0-9]+)\. ]] && ((BASH_REMATCH[1] < 23)); then echo "$candidate"; return; fi
        if "$candidate" buildx version >/dev/null 2>&1; then echo "$candidate"; return; fi
    done
    return 1
}

# dockerd lives in sbin, which a PATH need not list.
dockerd_command() {
    local found
    for found in "$(command -v dockerd || true)" /usr/sbin/dockerd /usr/bin/dockerd; do
        [[ -x "$found" ]] && { echo "$found"; return; }
    done
    return 1
}

engine() {
    local dockerd
    if ! dockerd=$(dockerd_command) || ! DOCKER=$(buildkit_docker); then
        apt_install docker.io || unavailable "no docker engine, and Debian's docker.io could not be installed (not root?)"
        dockerd=$(dockerd_command) || unavailable "docker.io installed no dockerd"
        DOCKER=$(buildkit_docker) || unavailable "no docker command with BuildKit"
    fi
    say "docker command: $DOCKER (client $("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null))"
    if timeout 30 "$DOCKER" info >/dev/null 2>&1; then
        say "using the docker engine already running"
        return
    fi
    as_root || unavailable "no docker engine running, and only root can start one"
    say "starting dockerd for this run"
    "$dockerd" >"$work/dockerd.log" 2>&1 </dev/null &
    dockerd_pid=$!
    for _ in $(seq 120); do
        timeout 10 "$DOCKER" info >/dev/null 2>&1 && break
        kill -0 "$dockerd_pid" 2>/dev/null || break
        sleep 0.5
    done
    if ! timeout 10 "$DOCKER" info >/dev/null 2>&1; then
        tail -20 "$work/dockerd.log" >&2
        unavailable "dockerd did not start"
    fi
    say "dockerd $("$DOCKER" version --format '{{.Server.Version}}') is up (pid $dockerd_pid)"
}

# The official base when present or pulled; else the local Debian one, made once and kept.
base_image() {
    local official
    official=$(sed -n 's/^ARG PYTHON_IMAGE=//p' deploy/Dockerfile)
    if [[ -n "${FAQBOT_BASE_IMAGE:-}" ]]; then
        BASE=$FAQBOT_BASE_IMAGE
    elif "$DOCKER" image inspect "$official" >/dev/null 2>&1 || timeout 180 "$DOCKER" pull --quiet "$official" >/dev/null 2>&1; then
        BASE=$official
    else
        say "no registry serves $official here: the base is a minimal Debian bookworm with python3 ($LOCAL_BASE)"
        BASE=$LOCAL_BASE
        if [[ "${IMAGE_TEST_REBUILD_BASE:-}" == 1 ]] || ! "$DOCKER" image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
            debian_base
        fi
    fi
    say "base image: $BASE"
}

debian_base() {
    local since=$SECONDS
    command -v mmdebstrap >/dev/null || apt_install mmdebstrap || unavailable "mmdebstrap could not be installed"
    say "making $LOCAL_BASE with mmdebstrap (python3, pip, CA certificates)"
    # The host's CA bundle replaces the image's: installs during the build then trust what this host trusts.
    timeout 1200 mmdebstrap --variant=minbase --include=python3,python3-pip,ca-certificates \
        --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"' \
        --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
        bookworm "$work/base.tar" >"$work/mmdebstrap.log" 2>&1 </dev/null \
        || { tail -20 "$work/mmdebstrap.log" >&2; exit 1; }
    "$DOCKER" image rm "$LOCAL_BASE" >/dev/null 2>&1 || true  # the one it replaces, rather than left untagged
    # What the official image sets and the Dockerfile relies on; pip may install into this system Python (uv only).
    timeout 600 "$DOCKER" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
        --change 'CMD ["python3"]' \
        "$work/base.tar" "$LOCAL_BASE" >/dev/null
    rm -f "$work/base.tar"
    say "made $LOCAL_BASE in $(elapsed "$since")"
}

# `docker compose` (v2) for the scale profile's test; where it cannot be had, that test says so and is skipped.
compose_plugin() {
    if ! "$DOCKER" compose version >/dev/null 2>&1; then
        as_root && command -v apt-get >/dev/null && command -v dpkg >/dev/null && trixie_compose \
            || { say "no Docker Compose v2 (\`docker compose\`) and none could be installed: the scale profile is not tested"; return 1; }
    fi
    say "compose: $("$DOCKER" compose version 2>/dev/null)"
}

# Debian 13 (trixie) ships Compose v2 as the docker-compose package: the `docker compose` plugin, one program that
# runs on Debian 12. apt downloads it from trixie's signed index, with state of its own in this run's folder (the
# system's sources stay as they are) and the mirror this machine's apt uses for Debian, and checks it against the
# index's SHA256; dpkg installs it (libc6 is its only dependency).
trixie_compose() {
    local apt_dir=$work/trixie mirror
    say "installing Docker Compose v2 (docker-compose from Debian trixie; Debian 12's is 1.29) with dpkg"
    timeout 600 apt-get update -qq </dev/null >"$work/apt.log" 2>&1 || { tail -5 "$work/apt.log" >&2; return 1; }
    mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Identifier: Packages' 'Label: Debian' | head -1)
    [[ -n "$mirror" ]] || { say "no Debian mirror in this machine's apt sources" >&2; return 1; }
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$apt_dir/sources.list"
    local options=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=- -o Acquire::Languages=none
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
    if ! (cd "$apt_dir" && timeout 600 apt-get "${options[@]}" update -qq && timeout 600 apt-get "${options[@]}" download docker-compose) \
        </dev/null >"$work/compose.log" 2>&1 \
        || ! timeout 300 dpkg --install "$apt_dir"/docker-compose_*.deb </dev/null >>"$work/compose.log" 2>&1 \
        || ! "$DOCKER" compose version >/dev/null 2>&1; then
        tail -5 "$work/compose.log" >&2
        return 1
    fi
}

# The PostgreSQL image of the scale profile: compose.yaml's own where present or pulled; else one from Debian's
# packages on the local base, built once and kept, again only when its recipe (deploy/postgres/) changed.
postgres_image() {
    local official recipe
    official=$(sed -n 's/^ *image: *\(postgres:.*\)$/\1/p' deploy/compose.yaml)
    if "$DOCKER" image inspect "$official" >/dev/null 2>&1 || timeout 180 "$DOCKER" pull --quiet "$official" >/dev/null 2>&1; then
        POSTGRES_IMAGE=$official
    else
        say "no registry serves $official here: PostgreSQL from Debian's packages ($LOCAL_POSTGRES)"
        POSTGRES_IMAGE=$LOCAL_POSTGRES
        recipe=$(cat deploy/postgres/* | sha256sum | cut -c1-16)
        if [[ "${IMAGE_TEST_REBUILD_BASE:-}" == 1 ]] \
            || [[ "$("$DOCKER" image inspect --format "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$LOCAL_POSTGRES" 2>/dev/null)" != "$recipe" ]]; then
            "$DOCKER" image inspect "$LOCAL_BASE" >/dev/null 2>&1 || debian_base
            local since=$SECONDS
            say "building $LOCAL_POSTGRES from Debian's packages (deploy/postgres/)"
            if ! DOCKER_BUILDKIT=1 timeout 1200 "$DOCKER" build --progress=plain --build-arg "BASE_IMAGE=$LOCAL_BASE" \
                --label "$RECIPE_LABEL=$recipe" --tag "$LOCAL_POSTGRES" deploy/postgres >"$work/postgres.log" 2>&1 </dev/null; then
                tail -20 "$work/postgres.log" >&2
                say "the PostgreSQL image's build failed" >&2
                exit 1
            fi
            say "built $LOCAL_POSTGRES in $(elapsed "$since")"
        fi
    fi
    say "PostgreSQL image: $POSTGRES_IMAGE"
}

build() {
    local since=$SECONDS
    say "building $TAG from deploy/Dockerfile (BuildKit, base $BASE)"
    if ! DOCKER_BUILDKIT=1 timeout 1800 "$DOCKER" build --progress=plain --file deploy/Dockerfile \
        --build-arg "PYTHON_IMAGE=$BASE" --label "$LABEL" --tag "$TAG" . >"$work/build.log" 2>&1 </dev/null; then
        tail -40 "$work/build.log" >&2
        say "the build failed" >&2
        exit 1
    fi
    say "built $TAG in $(elapsed "$since"): $("$DOCKER" image inspect --format '{{.Size}}' "$TAG" | awk '{printf "%d MB", $1 / 1e6}')"
}

engine
base_image
build
compose_plugin && postgres_image
say "running the image's tests (tests/deploy/test_image.py, tests/deploy/test_docker_build.py, tests/deploy/test_compose_scale.py)"
since=$SECONDS
FAQBOT_IMAGE=$TAG DOCKER=$DOCKER FAQBOT_BASE_IMAGE=$BASE FAQBOT_POSTGRES_IMAGE=$POSTGRES_IMAGE timeout 1200 \
    "$PY" -m pytest -v -s -p no:cacheprovider \
    tests/deploy/test_image.py tests/deploy/test_docker_build.py tests/deploy/test_compose_scale.py </dev/null
say "the image's tests passed in $(elapsed "$since")"

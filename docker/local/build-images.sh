#!/usr/bin/env bash
# Builds every image docker-compose.local.yml needs from Debian packages and PyPI wheels only, for a
# machine that reaches no image registry (no docker.io, no ghcr.io) but does reach Debian's archive
# and PyPI. Run as root (debootstrap). Idempotent: an image that exists is kept (FORCE=1 rebuilds).
#
#   mediamon-local/debian:bookworm    debootstrap --variant=minbase bookworm, imported with `docker import`
#   mediamon-local/python:3.11        + Debian's python3.11 and python3.11-venv (the app image's base)
#   mediamon-local/redis:7            + Debian's redis-server
#   mediamon-local/postgres:16        the debian image + PostgreSQL 16.2 with pgvector 0.6.2 taken from the
#                                     pgserver wheel pinned in uv.lock (Debian bookworm packages PostgreSQL
#                                     15 only); an entrypoint that honours the official image's contract
#   mediamon-airflow:local            the app, installed from uv.lock through a host-built wheelhouse
#
# Containers never download anything: Debian packages are fetched by debootstrap on the host, Python
# wheels by `pip wheel` on the host (hash-checked against uv.lock), then copied into the build.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${MEDIAMON_IMAGES_WORK:-$ROOT/.local/images}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
FORCE="${FORCE:-0}"
NICE=(nice -n 10)

say() { printf 'build-images: %s\n' "$*" >&2; }
die() { printf 'build-images: error: %s\n' "$*" >&2; exit 1; }
for tool in debootstrap docker; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install debootstrap docker.io)"
done
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (start it: dockerd &, or make docker-engine)"
have() { [[ "$FORCE" != 1 ]] && docker image inspect "$1" >/dev/null 2>&1; }
mkdir -p "$WORK/debs"

# A Debian root file system with the given extra packages, imported as an image.
rootfs_image() {
  local tag="$1" include="$2" cmd="$3" dir
  if have "$tag"; then say "$tag exists"; return; fi
  dir="$(mktemp -d "$WORK/rootfs.XXXXXX")"
  say "debootstrap $SUITE (+ ${include:-nothing}) for $tag"
  "${NICE[@]}" debootstrap --variant=minbase --cache-dir="$WORK/debs" ${include:+--include="$include"} \
    "$SUITE" "$dir" "$MIRROR" >"$WORK/debootstrap-${tag//[:\/]/_}.log" 2>&1 \
    || die "debootstrap failed, see $WORK/debootstrap-${tag//[:\/]/_}.log"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb
  tar -C "$dir" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "CMD $cmd" - "$tag" >/dev/null
  rm -rf "$dir"
  say "$tag imported"
}

rootfs_image mediamon-local/debian:bookworm "ca-certificates,tzdata" '["bash"]'
rootfs_image mediamon-local/python:3.11 "ca-certificates,tzdata,netbase,procps,python3.11,python3.11-venv,python3-distutils,python3-pip-whl,python3-setuptools-whl" \
  '["python3.11"]'
rootfs_image mediamon-local/redis:7 "redis-server" '["redis-server", "--protected-mode", "no"]'

# PostgreSQL 16 + pgvector: the binaries of the pgserver wheel the project's lock pins (the same server
# the test suite runs against), on the Debian image.
if ! have mediamon-local/postgres:16; then
  pginstall="$("$ROOT/.venv/bin/python" -c 'import pathlib, pgserver; print(pathlib.Path(pgserver.__file__).parent / "pginstall")')" \
    || die "no .venv with pgserver: run make env first"
  ctx="$(mktemp -d "$WORK/pg.XXXXXX")"
  cp -a "$pginstall" "$ctx/pginstall"
  # The wheel's own libpq (auditwheel-renamed), found through RPATH $ORIGIN/../../../pgserver.libs:
  # with pginstall at /usr/lib/postgresql/16 that is /usr/lib/pgserver.libs.
  cp -a "$pginstall/../../pgserver.libs" "$ctx/pgserver.libs"
  cp "$ROOT/docker/local/postgres-entrypoint.sh" "$ctx/"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM mediamon-local/debian:bookworm
COPY pginstall /usr/lib/postgresql/16
COPY pgserver.libs /usr/lib/pgserver.libs
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN useradd --system --home-dir /var/lib/postgresql --create-home --shell /bin/bash postgres \
 && mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 755 /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/16/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
DOCKERFILE
  say "building mediamon-local/postgres:16"
  "${NICE[@]}" docker build -q -t mediamon-local/postgres:16 "$ctx" >/dev/null
  rm -rf "$ctx"
fi

# The wheelhouse: exactly the versions uv.lock pins (main dependencies + the celery extra), fetched
# and hash-checked on the host, then installed in the image with --no-index.
WHEELS="$ROOT/.local/wheelhouse"
if [[ "$FORCE" == 1 || ! -f "$WHEELS/requirements.txt" || "$ROOT/uv.lock" -nt "$WHEELS/requirements.txt" ]]; then
  say "wheelhouse from uv.lock into $WHEELS"
  mkdir -p "$WHEELS"
  (cd "$ROOT" && uv export --frozen --no-dev --extra celery --no-emit-project --format requirements-txt \
     -o "$WHEELS/requirements-hashed.txt" >/dev/null)
  "${NICE[@]}" python3 -m pip wheel --quiet --require-hashes --no-deps -r "$WHEELS/requirements-hashed.txt" \
    -w "$WHEELS"
  # Markers on the Python patch level (async-timeout for Python < 3.11.3) are judged by the host's
  # Python above, but the image runs Debian's 3.11.2: fetch those packages too, hash-checked.
  python3 - "$WHEELS/requirements-hashed.txt" >"$WHEELS/requirements-patchlevel.txt" <<'PY'
import re, sys
blocks, current = [], []
for line in open(sys.argv[1]):
    if not line.startswith((" ", "\t", "#")) and current:
        blocks.append(current); current = []
    if not line.startswith("#"):
        current.append(line)
blocks.append(current)
for block in blocks:
    if block and "python_full_version" in block[0]:
        print(re.sub(r" ;[^\\]*", " ", block[0]).rstrip("\n"))
        print("".join(block[1:]), end="")
PY
  if [[ -s "$WHEELS/requirements-patchlevel.txt" ]]; then
    "${NICE[@]}" python3 -m pip wheel --quiet --require-hashes --no-deps -r "$WHEELS/requirements-patchlevel.txt" \
      -w "$WHEELS"
  fi
  # The project's build backend (the image installs the project itself in editable mode).
  "${NICE[@]}" python3 -m pip wheel --quiet hatchling editables -w "$WHEELS"
  (cd "$ROOT" && uv export --frozen --no-dev --extra celery --no-emit-project --no-hashes \
     --format requirements-txt -o "$WHEELS/requirements.txt" >/dev/null)
fi

say "building mediamon-airflow:local"
(cd "$ROOT" && "${NICE[@]}" docker build -q -f docker/local/Dockerfile -t mediamon-airflow:local . >/dev/null)
say "done: $(docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^mediamon' | tr '\n' ' ')"

#!/usr/bin/env bash
# Fetch a pinned corpus of real-world async Python projects for benchmarks.
#
# Each project's sdist is downloaded straight from PyPI (never through
# `pip download`, which may run a build backend just to read metadata),
# checked against the sha256 pinned below, and unpacked into
# ${CORPUS_DIR:-.corpus}/<name>-<version>/. Projects already unpacked are
# skipped, so re-running is cheap. Only .py/.pyi files are kept unless
# KEEP_ALL=1.
#
# Env: CORPUS_DIR (default .corpus, relative to the repo root),
#      KEEP_ALL=1 (keep non-Python files), PYPI_URL (default https://pypi.org).
set -euo pipefail

# Run from the repo root so the default CORPUS_DIR is the same wherever the
# script is called from.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CORPUS_DIR=${CORPUS_DIR:-.corpus}
KEEP_ALL=${KEEP_ALL:-0}
PYPI_URL=${PYPI_URL:-https://pypi.org}

# name version sha256-of-the-sdist. Exact pins keep benchmark numbers
# comparable over time; the hash guards against a re-uploaded or corrupt file.
# Bumping a version means updating its hash too (see scripts/README.md).
PINS=(
  "aiohttp        3.14.5    5558a7f5a05af9ecf744af91e5baefc436f93c9333e656c27ec253f9a6bbe178"
  "fastapi        0.165.0   dd94d4128319c1e1d50535ab023ab698f850a4d2822f0e181747b46f4ff3c0ab"
  "starlette      1.10.0    b8399098d4c1e3522734f7235dc79b1fc967f96cf139c81e0fa30479e0685f9b"
  "httpx          0.28.1    75e98c5f16b0f35b567856f597f06ff2270a374470a5c2392242528e3e3e42fc"
  "anyio          4.16.0    59bb03251907983d1603d27c3087ddb1e93299ea2163adcdba37899a4fb12ffb"
  "trio           0.35.0    7efb295c78a0ecd1235c5759e620b5da564ca80d2efcb0055423588547248b96"
  "redis          8.1.0     6e1a19beef9225c83efd689c7e6b7da2d5215b1f42cd13b7fc3714d0a09c7b25"
  "sqlalchemy     2.1.9     d700a8b2edfb26282a470333d6bc4a454c4acda4d201a3bea7b72fa76c217d28"
  "prefect        3.9.1     56f091cd49a06e6c3f98eea93648208f6750361d1dd0aeb60b5faa0e9cb5c458"
  "homeassistant  2026.11.0 5a5e6af380793d53ab37fd9ce5b7a7e00a408a7258923fe75d0610e31a394468"
  "sanic          25.12.1   7b51bf608e4030f06a6c002cd08fed2872e4936527e63c9a8a97d5cd06a2b47f"
  "uvicorn        0.54.0    a2e33cbfaa0306f8e6b0c13e0cb89d7d7a2da3e62b90c66e18c33d9807b28620"
  "aiokafka       0.14.0    8ffdc945798ba4d3d132b705d4244d0a1f493925efb57c637a2ca88ee82794e1"
  "asyncpg        0.32.0    45e64e56714d888330b884aad1dfb363d0bf43fb343e3d1a8968525f3bade478"
  "motor          3.7.1     27b4d46625c87928f331a6ca9d7c51c2f518ba0e270939d395bc1ddc89d64526"
  "aiobotocore    3.10.0    35480ef11c51e23087273b85d97f80da2f356a46ce5f3fb88e24483cd343ffdb"
  "litestar       2.25.0    7fad91fcd89367fcd26534ab19b6b05763cc67ab9574baa914546089e1ed1fb4"
  "quart          0.23.1    1ca848415910bd2eb75e9d9b452388f892a37be222602a373622e6c633d1efbf"
  "channels       4.3.2     f2bb6bfb73ad7fb4705041d07613c7b4e69528f01ef8cb9fb6c21d9295f15667"
  "django         6.1.3     b5d2d9e35295065d13b1927b3f19a59bd119f737aa6299def14ccca1ae3c8c0d"
  "celery         5.7.0     6a5dfcf6662287204f009a02002b9e66c83d4105e47ebabdc7079108772fc6f0"
  "websockets     17.4      09d3939b70df0c8ad2da145ebd50978bccaee1d565e838b0e7921a34d38571eb"
  "aiofiles       25.1.0    a8d728f0a29de45dc521f18f07297428d56992a742f0cd2701ba86e44d23d5b2"
  "tornado        6.6.1     28e6311402af59c8b02e3fa0f5e7d8eb465b25081381803b127d97e6a4395d5a"
)

mkdir -p "$CORPUS_DIR"

# The fetching is done in Python: it speaks JSON, hashes and unpacks tar/zip
# safely without depending on which curl/tar flags this machine has.
python3 - "$CORPUS_DIR" "$KEEP_ALL" "$PYPI_URL" "${PINS[@]}" <<'PY'
import hashlib, json, os, sys, tarfile, tempfile, time, urllib.error, urllib.parse, urllib.request, zipfile

corpus, keep_all, pypi = sys.argv[1], sys.argv[2] == "1", sys.argv[3].rstrip("/")
pins = [p.split() for p in sys.argv[4:]]


def get(url, attempts=3):
    # PyPI and its CDN occasionally drop a connection; retry a few times.
    for i in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=120) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            if e.code == 404 or i == attempts - 1:
                raise
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if i == attempts - 1:
                raise
        time.sleep(2 * (i + 1))


def sdist_entry(name, version):
    # The per-version endpoint is lighter, but some PyPI mirrors/proxies only
    # serve the per-project one; its "releases" map has the same file entries.
    url = f"{pypi}/pypi/{name}/{version}/json"
    try:
        files = json.loads(get(url))["urls"]
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
        url = f"{pypi}/pypi/{name}/json"
        files = json.loads(get(url))["releases"].get(version, [])
    sdists = [f for f in files if f["packagetype"] == "sdist"]
    if not sdists:
        sys.exit(f"error: {name}=={version} has no sdist on PyPI")
    # Mirrors may give file URLs relative to the JSON document.
    return dict(sdists[0], url=urllib.parse.urljoin(url, sdists[0]["url"]))


def unpack(archive, dest):
    if archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(dest)  # zipfile already refuses paths that escape dest
    else:
        with tarfile.open(archive) as t:
            # The "data" filter rejects absolute paths, links out of dest and
            # device files; it exists from Python 3.8.17/3.11.4/3.12 on.
            if hasattr(tarfile, "data_filter"):
                t.extractall(dest, filter="data")
            else:
                t.extractall(dest)


def prune(root):
    # Only Python sources matter to the linter; dropping the rest (C, docs,
    # test data, compiled wheels of other languages) saves a lot of disk.
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for f in filenames:
            if not f.endswith((".py", ".pyi")):
                os.remove(os.path.join(dirpath, f))
        if dirpath != root and not os.listdir(dirpath):
            os.rmdir(dirpath)


for name, version, pinned_sha in pins:
    dest = os.path.join(corpus, f"{name}-{version}")
    if os.path.isdir(dest):
        continue  # already unpacked by an earlier run
    entry = sdist_entry(name, version)
    if entry["digests"]["sha256"] != pinned_sha:
        sys.exit(f"error: {name}=={version}: PyPI lists sha256 {entry['digests']['sha256']}, pinned {pinned_sha}")
    print(f"fetch {name}=={version} ({entry['size'] / 1e6:.1f} MB)", flush=True)
    # Work inside CORPUS_DIR so the final rename is atomic (same filesystem):
    # an interrupted run never leaves a half-unpacked project that looks done.
    with tempfile.TemporaryDirectory(dir=corpus, prefix=".tmp-") as tmp:
        archive = os.path.join(tmp, entry["filename"])
        data = get(entry["url"])
        if hashlib.sha256(data).hexdigest() != pinned_sha:
            sys.exit(f"error: {name}=={version}: downloaded file does not match the pinned sha256")
        with open(archive, "wb") as f:
            f.write(data)
        out = os.path.join(tmp, "out")
        unpack(archive, out)
        # sdists normally hold one top-level "<name>-<version>/" directory;
        # strip it so every project sits directly in CORPUS_DIR/<name>-<version>/.
        top = os.listdir(out)
        src = os.path.join(out, top[0]) if len(top) == 1 and os.path.isdir(os.path.join(out, top[0])) else out
        if not keep_all:
            prune(src)
        os.rename(src, dest)
PY

# Summary over what is on disk, so it is also right for runs that fetched
# nothing. Only the pinned directories count: an old version left behind by a
# bump is not part of the corpus.
dirs=()
for p in "${PINS[@]}"; do
  read -r name version _ <<<"$p"
  dirs+=("$CORPUS_DIR/$name-$version")
done
files=$(find "${dirs[@]}" -type f \( -name '*.py' -o -name '*.pyi' \) | wc -l)
lines=$(find "${dirs[@]}" -type f \( -name '*.py' -o -name '*.pyi' \) -print0 | xargs -0 cat | wc -l)
size=$(du -shc "${dirs[@]}" | tail -n1 | cut -f1)
echo "corpus: $CORPUS_DIR: ${#dirs[@]} projects, $files .py/.pyi files, $lines lines, $size on disk"

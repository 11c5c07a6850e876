#!/usr/bin/env bash
# Runs the unit, adapter and function-handler tests under Node.js 22 (the AWS Lambda runtime), whatever
# Node runs the rest. Node 22 comes from the npm registry's `node` package; the project is copied
# (without node_modules) to a scratch folder and installed there with that Node, so native modules
# (better-sqlite3) are built for it and the checkout's own install is left as it is.
#   npm run test:node22            the default set of test folders
#   npm run test:node22 -- test/core   only these
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
version="${VODKIT_NODE22_VERSION:-22}"
work="${VODKIT_NODE22_DIR:-${TMPDIR:-/tmp}/vodkit-node22}"

mkdir -p "$work/runtime"
if [ ! -x "$work/runtime/node_modules/.bin/node" ]; then
  echo "node22: installing node@$version from the npm registry into $work/runtime"
  npm install --no-audit --no-fund --no-save --prefix "$work/runtime" "node@$version" >/dev/null
fi
bin="$work/runtime/node_modules/.bin"
headers="$(dirname "$(readlink -f "$bin/node")")/.."
# The platform package holds the headers native modules are built against.
for candidate in "$work/runtime/node_modules/node/node_modules"/node-*; do
  [ -f "$candidate/include/node/node.h" ] && headers="$candidate"
done

echo "node22: copying the project to $work/project"
rm -rf "$work/project"
mkdir -p "$work/project"
tar -C "$root" --exclude=./node_modules --exclude=./.git --exclude=./data --exclude=./dist --exclude=./web-dist \
  --exclude='./deploy/aws/cdk.out' -cf - . | tar -C "$work/project" -xf -

# Paths the tests read, resolved from this checkout (the copy lives elsewhere).
media="${VODKIT_TEST_MEDIA:-../shared/media}"
case "$media" in /*) ;; *) media="$root/$media" ;; esac
export VODKIT_TEST_MEDIA="$media"

cd "$work/project"
export PATH="$bin:$PATH"
export npm_config_nodedir="$headers"
node -e 'if (process.versions.node.split(".")[0] !== "22") { console.error("node22: expected Node 22, got " + process.version); process.exit(1); }'
echo "node22: $(node --version), installing dependencies"
npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(test/core test/adapters test/architecture)
  [ -d test/lambda ] && targets+=(test/lambda)
  # Not the real-media suite: what ffmpeg makes of those files does not depend on Node's version
  # (the ffmpeg adapter's own tests do run here), and it is the slowest file of the set (about 100 s).
  targets+=(--exclude test/adapters/transcoder/real-media.test.ts)
fi
echo "node22: vitest run ${targets[*]}"
node node_modules/vitest/vitest.mjs run "${targets[@]}"

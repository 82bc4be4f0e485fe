#!/usr/bin/env bash
# `npm run test:sdk-latest`: the suite (tsc + mocha) against the newest @pulumi/pulumi,
# @pulumi/azure-native and @pulumi/kubernetes that package.json's ranges admit, which is what a
# consumer's `npm install` picks, not what the lockfile pins. Runs in a scratch copy of the tracked
# files (git ls-files), so the checkout, its node_modules and its lockfiles stay as they are.
# Each version is resolved with `npm view <pkg>@<range>` and installed exactly: npm's own
# resolution of three open Pulumi ranges takes many minutes. Everything else comes from the
# lockfile. The policy pack keeps its own pinned install (policy/node_modules, linked when present).
# SDK_LATEST_KEEP=1 leaves the scratch directory for a look afterwards.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sdks=(@pulumi/pulumi @pulumi/azure-native @pulumi/kubernetes)

scratch="$(mktemp -d "${TMPDIR:-/tmp}/apim-gateway-egress-sdk-latest.XXXXXX")"
if [ "${SDK_LATEST_KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$scratch"' EXIT
fi
(cd "$root" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$scratch"

specs=()
for sdk in "${sdks[@]}"; do
    range="$(node -p "require('$root/package.json').dependencies['$sdk']")"
    # One version prints as a string, several as an array; the newest by numeric x.y.z wins.
    version="$(npm view "$sdk@$range" version --json | node -e '
        const v = [].concat(JSON.parse(require("fs").readFileSync(0, "utf8")));
        const key = (s) => s.split(/[.-]/).slice(0, 3).map(Number);
        v.sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
        if (v.length === 0) { process.exit(1); }
        console.log(v[v.length - 1]);')"
    echo "sdk-latest: $sdk@$range -> $version" >&2
    specs+=("$sdk@$version")
done

cd "$scratch"
# --no-save: package.json keeps its ranges (tests/package.test.ts pins them as ^x.y.z) and
# package-lock.json stays the committed one, so the spec that the pack's lockfile pins the root
# lockfile's @pulumi/pulumi still checks the committed pair (an install that rewrote the root
# lockfile made it fail here although nothing committed had changed).
npm install --no-save --no-audit --no-fund "${specs[@]}" >&2
if [ -d "$root/policy/node_modules" ]; then
    ln -s "$root/policy/node_modules" policy/node_modules
fi

tested=""
for sdk in "${sdks[@]}"; do
    installed="$(node -p "require('./node_modules/$sdk/package.json').version")"
    tested="$tested $sdk@$installed"
done
tested="${tested# }"
for spec in "${specs[@]}"; do
    case " $tested " in
        *" $spec "*) ;;
        *) echo "sdk-latest: asked for $spec, node_modules has: $tested" >&2; exit 1 ;;
    esac
done
echo "sdk-latest: testing on node $(node --version) with $tested" >&2
npm test
echo "sdk-latest: passed on node $(node --version) with $tested"

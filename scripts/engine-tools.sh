#!/usr/bin/env bash
# Builds the real Pulumi engine pieces the engine tests run (tests/engine/run.js), from the Go
# module proxy only, or finds them cached under the git-ignored .tools/engine/<versions>/bin:
#
#   pulumi                      the CLI and engine       github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
#   pulumi-language-yaml        the YAML language host   github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
#   pulumi-resource-kubernetes  the Kubernetes provider  github.com/pulumi/pulumi-kubernetes/provider/v4
#   pulumi-language-nodejs      the Node.js language host github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
#
# The Node.js language host is built only when the proxy serves its module; where it does not
# (HTTP 403 on the proxy this project's machines use), the script says so in one line and the
# engine tests use their stand-in (tests/engine/nodejsHost.ts). Nothing is downloaded from
# anywhere but the Go module proxy ($GOPROXY); no Pulumi repository is cloned.
#
# usage: scripts/engine-tools.sh [--bin-dir]
#   (no flag)  build what is missing, print progress on stderr, the bin directory last on stdout
#   --bin-dir  print the bin directory only, and fail if a required binary is not built yet
#
# Environment: ENGINE_TOOLS_DIR (default <repo>/.tools/engine), GOPATH/GOCACHE/GOPROXY/GOSUMDB
# as usual (default GOPATH and build cache are used), GO (path of the go command).
set -euo pipefail

# ---- versions: the one place they are pinned ------------------------------------------------
# The CLI matches the locked @pulumi/pulumi (package-lock.json), the Kubernetes provider the
# locked @pulumi/kubernetes. The YAML host is the newest release the proxy serves here that
# builds against a CLI of this age.
PULUMI_VERSION=v3.248.0
PULUMI_YAML_VERSION=v1.25.0
KUBERNETES_VERSION=v4.34.2
# Used only when the proxy does not serve KUBERNETES_VERSION: the newest provider/v4 it serves
# here (a pseudo-version of 2026-01-15, commit f47bc2d6f199, between 4.24 and 4.25).
KUBERNETES_FALLBACK_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# ----------------------------------------------------------------------------------------------

repo=$(cd "$(dirname "$0")/.." && pwd)
key="pulumi-${PULUMI_VERSION}_yaml-${PULUMI_YAML_VERSION}_kubernetes-${KUBERNETES_VERSION}"
root="${ENGINE_TOOLS_DIR:-$repo/.tools/engine}/$key"
bin="$root/bin"
work="$root/work"
required=(pulumi pulumi-language-yaml pulumi-resource-kubernetes)
start=$SECONDS

say() { printf '[engine-tools %4ds] %s\n' $((SECONDS - start)) "$*" >&2; }
die() { printf 'engine-tools: error: %s\n' "$*" >&2; exit 1; }
have_all() { local b; for b in "${required[@]}"; do [ -x "$bin/$b" ] || return 1; done; }

if [ "${1:-}" = "--bin-dir" ]; then
    have_all || die "the engine tools are not built in $bin; run scripts/engine-tools.sh first"
    echo "$bin"
    exit 0
elif [ $# -gt 0 ]; then
    die "unknown argument '$1' (usage: scripts/engine-tools.sh [--bin-dir])"
fi

# The Node.js host is optional (see above); a marker records that the proxy refused it, so a
# cached run does not ask again. Delete the marker to retry.
nodejs_done() { [ -x "$bin/pulumi-language-nodejs" ] || [ -f "$bin/pulumi-language-nodejs.unavailable" ]; }

if have_all && nodejs_done; then
    say "cached: $bin"
    echo "$bin"
    exit 0
fi

# ---- prerequisites: one clear line each -----------------------------------------------------
GO=${GO:-$(command -v go || true)}
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
[ -n "$GO" ] || die "Go is not installed (no 'go' on PATH nor /usr/local/go/bin/go); install Go 1.25 or newer to build the engine tools"
[ -x "$GO" ] || die "GO=$GO is not an executable go command"
export PATH="$(dirname "$GO"):$PATH"
go_version=$("$GO" env GOVERSION)
case "$go_version" in
    go1.2[5-9]*|go1.[3-9][0-9]*) ;;
    *) die "$go_version is too old: Pulumi $PULUMI_VERSION needs Go 1.25 or newer" ;;
esac
# Build with the local toolchain; let the go command add the wrapper modules' requirements.
# Binaries are built with -trimpath and stripped (-s -w): the Kubernetes provider drops from
# about 420 MB to a third of it, and linking is faster.
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -mod=mod"

mkdir -p "$bin" "$work"
exec 9>"$root/.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9 || die "could not lock $root/.lock"
fi

say "go: $go_version, GOPROXY=$("$GO" env GOPROXY), GOMODCACHE=$("$GO" env GOMODCACHE), GOCACHE=$("$GO" env GOCACHE)"
probe_err=$(mktemp)
if ! pkg_info=$(timeout 120 "$GO" list -m -json "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" 2>"$probe_err"); then
    die "the Go module proxy ($("$GO" env GOPROXY)) did not serve github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION: $(head -n 1 "$probe_err")"
fi
rm -f "$probe_err"
# The checksum database is reached through the proxy; where it is not, say so and go on without.
if [ "$("$GO" env GOSUMDB)" != "off" ] && ! timeout 60 "$GO" mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" >/dev/null 2>&1; then
    say "the checksum database ($("$GO" env GOSUMDB)) did not answer: building with GOSUMDB=off"
    export GOSUMDB=off
fi

json_field() { # json_field FIELD < go list -json output (the first "FIELD": "value" line)
    sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -n 1
}

# The non-local replace directives of a module's go.mod (local ones point into its own
# repository, which the wrapper replaces by required versions).
remote_replaces() {
    sed -n 's/^replace[[:space:]]\{1,\}\(.*=>[[:space:]]*[^.[:space:]/][^[:space:]]*[[:space:]]\{1,\}v[^[:space:]]*\)[[:space:]]*$/replace \1/p' "$1"
}

# Builds PACKAGE into bin/NAME from a wrapper module that requires the given module@version pairs.
build_wrapped() { # NAME PACKAGE LDFLAGS GOMOD_OF_MAIN_MODULE MODULE@VERSION...
    local name=$1 package=$2 ldflags=$3 replaces_from=$4
    shift 4
    local dir="$work/$name" t0=$SECONDS
    rm -rf "$dir"
    mkdir -p "$dir"
    {
        echo "// Generated by scripts/engine-tools.sh: builds $package."
        echo "module engine-tools/$name"
        echo
        echo "go 1.25"
        echo
        local m
        for m in "$@"; do echo "require ${m%@*} ${m##*@}"; done
        echo
        remote_replaces "$replaces_from"
    } >"$dir/go.mod"
    say "$name: building $package (wrapper $dir/go.mod)"
    (cd "$dir" && "$GO" build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$name.tmp" "$package") || die "$name: go build failed (see the output above)"
    mv "$bin/$name.tmp" "$bin/$name"
    say "$name: built in $((SECONDS - t0)) s"
}

# ---- pulumi (CLI and engine) ----------------------------------------------------------------
if [ ! -x "$bin/pulumi" ]; then
    pkg_gomod=$(echo "$pkg_info" | json_field GoMod)
    [ -f "$pkg_gomod" ] || "$GO" mod download "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
    pkg_gomod=$("$GO" mod download -json "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" | json_field GoMod)
    build_wrapped pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" "$pkg_gomod" \
        "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
fi

# ---- pulumi-language-nodejs (only where the proxy serves it) --------------------------------
if ! nodejs_done; then
    nodejs_module=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
    release_commit=$(echo "$pkg_info" | json_field Hash)
    probe_err=$(mktemp)
    if nodejs_info=$(timeout 120 "$GO" list -m -json "$nodejs_module@$release_commit" 2>"$probe_err"); then
        nodejs_version=$(echo "$nodejs_info" | json_field Version)
        nodejs_gomod=$("$GO" mod download -json "$nodejs_module@$nodejs_version" | json_field GoMod)
        build_wrapped pulumi-language-nodejs "$nodejs_module" \
            "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" "$nodejs_gomod" \
            "$nodejs_module@$nodejs_version" "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
            "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
    else
        reason=$(grep -m 1 -o '[0-9][0-9][0-9] [A-Za-z ]*' "$probe_err" || head -n 1 "$probe_err")
        echo "$nodejs_module@$release_commit: $(head -n 1 "$probe_err")" >"$bin/pulumi-language-nodejs.unavailable"
        say "pulumi-language-nodejs: NOT BUILT: the proxy does not serve $nodejs_module (${reason:-no answer}); the engine tests use their stand-in, tests/engine/nodejsHost.ts"
    fi
    rm -f "$probe_err"
fi

# ---- pulumi-language-yaml -------------------------------------------------------------------
if [ ! -x "$bin/pulumi-language-yaml" ]; then
    t0=$SECONDS
    say "pulumi-language-yaml: go install github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION"
    GOBIN="$work/yaml-bin" "$GO" install -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" \
        "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION" \
        || die "pulumi-language-yaml: go install failed (see the output above)"
    mv "$work/yaml-bin/pulumi-language-yaml" "$bin/pulumi-language-yaml"
    say "pulumi-language-yaml: built in $((SECONDS - t0)) s"
fi

# ---- pulumi-resource-kubernetes -------------------------------------------------------------
# The provider embeds schema-embed.json and terraform-mapping-embed.json, which its own
# generate.go writes from the module's schema.json and terraform-mapping.json: it is built from
# a writable copy of the module, whose replace of the sdk/v4 module (a path into its repository)
# is dropped for the sdk/v4 version its go.mod requires.
if [ ! -x "$bin/pulumi-resource-kubernetes" ]; then
    t0=$SECONDS
    k8s_module=github.com/pulumi/pulumi-kubernetes/provider/v4
    k8s_version=$KUBERNETES_VERSION
    if ! timeout 120 "$GO" list -m "$k8s_module@$k8s_version" >/dev/null 2>&1; then
        say "pulumi-resource-kubernetes: the proxy does not serve $k8s_module@$k8s_version; using $KUBERNETES_FALLBACK_VERSION"
        k8s_version=$KUBERNETES_FALLBACK_VERSION
    fi
    k8s_src=$("$GO" mod download -json "$k8s_module@$k8s_version" | json_field Dir)
    [ -d "$k8s_src" ] || die "pulumi-resource-kubernetes: the proxy did not serve $k8s_module@$k8s_version"
    dir="$work/pulumi-resource-kubernetes"
    rm -rf "$dir"
    cp -R "$k8s_src" "$dir"
    chmod -R u+w "$dir"
    (cd "$dir" && "$GO" mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4)
    plain_version=${k8s_version#v}
    say "pulumi-resource-kubernetes: go run generate.go (VERSION=$plain_version) in a copy of $k8s_module@$k8s_version"
    (cd "$dir/cmd/pulumi-resource-kubernetes" && VERSION=$plain_version "$GO" run generate.go) \
        || die "pulumi-resource-kubernetes: generate.go failed (see the output above)"
    say "pulumi-resource-kubernetes: building"
    (cd "$dir" && "$GO" build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$plain_version" \
        -o "$bin/pulumi-resource-kubernetes.tmp" ./cmd/pulumi-resource-kubernetes) \
        || die "pulumi-resource-kubernetes: go build failed (see the output above)"
    mv "$bin/pulumi-resource-kubernetes.tmp" "$bin/pulumi-resource-kubernetes"
    echo "$k8s_module@$k8s_version" >"$bin/pulumi-resource-kubernetes.version"
    say "pulumi-resource-kubernetes: $k8s_version built in $((SECONDS - t0)) s"
fi

have_all || die "a binary is missing from $bin after the build"
for b in "${required[@]}" pulumi-language-nodejs; do
    if [ -x "$bin/$b" ]; then
        say "$b: $(du -h "$bin/$b" | cut -f1)"
    else
        say "$b: not built ($(cat "$bin/$b.unavailable"))"
    fi
done
say "done in $((SECONDS - start)) s"
echo "$bin"

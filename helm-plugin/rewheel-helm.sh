#!/bin/sh
# helm rewheel: render a chart with `helm template` and audit the result with
# `rewheel audit -`.
#
#   helm rewheel CHART [helm template flags…] [-- rewheel audit flags…]
#
# Everything before the first `--` goes to `helm template`, everything after
# it to `rewheel audit -`. The exit code is rewheel's (0 clean, 1 findings at
# or above --fail-on, 2 errors), or helm's when `helm template` fails.
#
# Environment: HELM_BIN (set by helm for plugins) [default: helm],
# REWHEEL_BIN [default: rewheel].
set -eu

usage() {
    cat <<'EOF'
Render a chart with helm template and audit it with rewheel.

Usage:
  helm rewheel CHART [helm template flags...] [-- rewheel audit flags...]

Examples:
  helm rewheel ./charts/platform -f values-prod.yaml
  helm rewheel ./charts/platform --namespace prod -- --fail-on error --format sarif=rewheel.sarif
  helm rewheel ./charts/platform -- --format json

Exit codes: rewheel's (0 clean, 1 findings at or above --fail-on, 2 errors),
or helm's when helm template fails.
EOF
}

case "${1:-}" in
"")
    usage >&2
    exit 2
    ;;
-h | --help)
    usage
    exit 0
    ;;
esac

helm=${HELM_BIN:-helm}
rewheel=${REWHEEL_BIN:-rewheel}

# Quote one word for `eval`: 'it'\''s'.
quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# Split the arguments at the first `--`: the helm template arguments stay in
# "$@", the rewheel audit arguments are kept quoted in $audit_args.
audit_args=
split=0
for arg; do
    shift
    if [ "$split" = 1 ]; then
        audit_args="$audit_args $(quote "$arg")"
    elif [ "$arg" = -- ]; then
        split=1
    else
        set -- "$@" "$arg"
    fi
done

if ! command -v "$rewheel" >/dev/null 2>&1; then
    echo "helm rewheel: '$rewheel' not found on PATH; install it (cargo install --locked --path host from a rewheel checkout) or set REWHEEL_BIN" >&2
    exit 2
fi

# Render to a file first: a plain pipe would hide helm's exit code (POSIX sh
# has no pipefail), and a failed render must not be audited as an empty input.
rendered=$(mktemp "${TMPDIR:-/tmp}/helm-rewheel.XXXXXX")
trap 'rm -f "$rendered"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status=0
"$helm" template "$@" >"$rendered" || status=$?
if [ "$status" != 0 ]; then
    echo "helm rewheel: '$helm template $*' failed with exit code $status; nothing was audited" >&2
    exit "$status"
fi

# A chart folder among the helm arguments is the chart sources: who wrote each
# chart, and the template to edit.
sources=
for arg; do
    if [ -f "$arg/Chart.yaml" ]; then sources="$sources --charts $(quote "$arg")"; fi
done

eval "set -- $sources $audit_args"
status=0
"$rewheel" audit - "$@" <"$rendered" || status=$?
exit "$status"

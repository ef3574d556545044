#!/usr/bin/env bash
# The rewheel GitHub Action (action.yml) runs this script with its inputs as
# INPUT_* variables. It also runs by hand or in another CI:
#   INPUT_PATHS=deploy/ INPUT_SARIF=out/rewheel.sarif bash ci/action/run.sh
#
# It installs rewheel when it is not on PATH (INPUT_INSTALL=auto), renders
# INPUT_CHARTS with `helm template` into a temporary directory, audits the
# rendered charts and INPUT_PATHS, and writes:
#   - GitHub annotations (--format github) to stdout,
#   - SARIF to INPUT_SARIF,
#   - a Markdown report appended to $GITHUB_STEP_SUMMARY (when set),
#   - exit-code=<rewheel's exit code> and sarif=<file> to $GITHUB_OUTPUT (when set).
# It exits with rewheel's exit code (0 clean, 1 findings at or above
# INPUT_FAIL_ON, 2 errors), or 0 when REWHEEL_DEFER_EXIT=true: action.yml
# sets that so the SARIF upload runs first and a later step fails the job.
#
# Inputs (all optional):
#   INPUT_PATHS      manifest files/directories, blank- or newline-separated
#                    [default: . when INPUT_CHARTS is empty, else none]
#   INPUT_CHARTS     chart directories (or chart references) to render
#   INPUT_VALUES     values files passed to every chart with -f
#   INPUT_HELM_ARGS  extra `helm template` arguments (split on blanks)
#   INPUT_ARGS       extra `rewheel audit` arguments (split on blanks)
#   INPUT_FAIL_ON    info, warning, error or never [default: warning]
#   INPUT_SARIF      SARIF file [default: rewheel.sarif]
#   INPUT_BASELINE   baseline file: report only findings not in it
#   INPUT_INSTALL    auto (cargo install when rewheel is not on PATH), always, never
#   REWHEEL_ACTION_PATH  the action's checkout [default: two levels above this script]
#   HELM_BIN         the helm binary [default: helm]
# Inputs are split on blanks and newlines, with no quoting and no globbing:
# paths containing blanks are not supported.
set -euo pipefail
set -f # never glob while splitting inputs into words

paths=${INPUT_PATHS:-}
charts=${INPUT_CHARTS:-}
values=${INPUT_VALUES:-}
helm_args=${INPUT_HELM_ARGS:-}
extra_args=${INPUT_ARGS:-}
fail_on=${INPUT_FAIL_ON:-warning}
sarif=${INPUT_SARIF:-rewheel.sarif}
baseline=${INPUT_BASELINE:-}
install=${INPUT_INSTALL:-auto}
defer=${REWHEEL_DEFER_EXIT:-false}
helm=${HELM_BIN:-helm}
action_path=${REWHEEL_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}

die() {
    echo "::error title=rewheel::$*" >&2
    exit 2
}

# --- rewheel itself ---------------------------------------------------------
case $install in
auto | always | never) ;;
true) install=auto ;;
false) install=never ;;
*) die "install must be auto, always or never, not '$install'" ;;
esac
if [ "$install" = always ] || ! command -v rewheel >/dev/null 2>&1; then
    [ "$install" != never ] || die "rewheel is not on PATH (install: never): install it before this step"
    command -v cargo >/dev/null 2>&1 ||
        die "rewheel is not on PATH and neither is cargo: set up Rust (rustup) before this action, or install rewheel"
    echo "::group::cargo install --locked --path $action_path/host"
    # From the action's checkout, so its rust-toolchain.toml (toolchain and
    # the wasm32-wasip2 target the built-in rules need) applies.
    (cd "$action_path" && cargo install --locked --path host) || die "cargo install of rewheel failed"
    echo "::endgroup::"
    PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    export PATH
    command -v rewheel >/dev/null 2>&1 || die "cargo install finished but rewheel is still not on PATH"
fi

# --- render the charts --------------------------------------------------------
audit_paths=()
chart_sources=()
rendered=
trap 'if [ -n "$rendered" ]; then rm -rf "$rendered"; fi' EXIT

if [ -n "${charts//[[:space:]]/}" ]; then
    command -v "$helm" >/dev/null 2>&1 ||
        die "charts given but helm ('$helm') is not on PATH: add a setup-helm step before this action"
    value_flags=()
    for v in $values; do value_flags+=(-f "$v"); done
    # shellcheck disable=SC2206 # split on blanks on purpose, globbing is off
    extra_helm=($helm_args)
    rendered=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/rewheel-rendered.XXXXXX")
    n=0
    for chart in $charts; do
        n=$((n + 1))
        if [ -f "$chart/requirements.yaml" ] ||
            { [ -f "$chart/Chart.yaml" ] && grep -Eq '^dependencies:' "$chart/Chart.yaml"; }; then
            echo "::group::helm dependency build $chart"
            "$helm" dependency build "$chart" || die "helm dependency build $chart failed"
            echo "::endgroup::"
        fi
        out="$rendered/$(printf '%02d-%s' "$n" "$chart" | tr -c 'A-Za-z0-9._-' '_').yaml"
        echo "rendering $chart -> $out" >&2
        status=0
        "$helm" template "$chart" ${value_flags[@]+"${value_flags[@]}"} ${extra_helm[@]+"${extra_helm[@]}"} >"$out" ||
            status=$?
        [ "$status" = 0 ] || die "helm template $chart failed (exit $status)"
    done
    audit_paths+=("$rendered")
    # The chart folders are the sources: who wrote each chart, and the template to edit.
    for chart in $charts; do
        if [ -f "$chart/Chart.yaml" ]; then chart_sources+=(--charts "$chart"); fi
    done
elif [ -z "${paths//[[:space:]]/}" ]; then
    paths=.
fi
for p in $paths; do audit_paths+=("$p"); done

# --- audit ----------------------------------------------------------------------
case $sarif in */*) mkdir -p "${sarif%/*}" ;; esac
cmd=(rewheel audit "${audit_paths[@]}" ${chart_sources[@]+"${chart_sources[@]}"} --fail-on "$fail_on" --format github --format "sarif=$sarif")
summary=
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    summary=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/rewheel-summary.XXXXXX")
    cmd+=(--format "markdown=$summary")
fi
if [ -n "$baseline" ]; then cmd+=(--baseline "$baseline"); fi
for a in $extra_args; do cmd+=("$a"); done

echo "${cmd[*]}" >&2
code=0
"${cmd[@]}" || code=$?

if [ -n "$summary" ]; then
    if [ -s "$summary" ]; then
        cat "$summary" >>"$GITHUB_STEP_SUMMARY"
    else
        printf '# rewheel\n\nrewheel audit exited %s without a report; see the step log.\n' "$code" >>"$GITHUB_STEP_SUMMARY"
    fi
    rm -f "$summary"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "exit-code=$code" >>"$GITHUB_OUTPUT"
    if [ -f "$sarif" ]; then echo "sarif=$sarif" >>"$GITHUB_OUTPUT"; fi
fi
case $code in
0) ;;
1) echo "rewheel: findings at or above '$fail_on' (exit 1)" >&2 ;;
*) echo "rewheel: errors (exit $code)" >&2 ;;
esac
if [ "$defer" = true ]; then
    exit 0
fi
exit "$code"

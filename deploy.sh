#!/usr/bin/env bash
# deploy.sh — build, push and roll out Rose Ash app images to the Docker Swarm stack `coop`.
# Run `./deploy.sh --help` for usage. Operators run it on the swarm manager; CI uses it too
# (.gitea/workflows/ci.yml), so change detection lives in exactly one place.
set -euo pipefail

readonly APPS=(blog market cart events federation account)
REGISTRY="${REGISTRY:-registry.rose-ash.com:5000}"
readonly STACK="coop"
readonly COMPOSE_FILE="docker-compose.yml"
readonly STATE_DIR=".deploy"
readonly STATE_FILE="$STATE_DIR/last-deployed"
readonly HISTORY_FILE="$STATE_DIR/history.log"

usage() {
  cat <<EOF
Usage: ./deploy.sh [options] [app...]

Build the images of the given apps, push them to ${REGISTRY}, then update the
Docker Swarm stack '${STACK}' (docker stack deploy -c ${COMPOSE_FILE} ${STACK}).

  ./deploy.sh blog             rebuild + redeploy one app
  ./deploy.sh blog market      rebuild + redeploy several apps
  ./deploy.sh --all            rebuild + redeploy all six apps
  ./deploy.sh                  rebuild what changed in git since the last deploy

Apps: ${APPS[*]}

Change detection (no app named) compares the last deployed commit (recorded in
${STATE_FILE}; with no record, everything is deployed) with the working tree,
uncommitted and untracked files included. A file under <app>/ rebuilds that app; a change
to shared/, migrations/, _config/, ${COMPOSE_FILE}, package.json, pnpm-lock.yaml,
pnpm-workspace.yaml, .npmrc or .dockerignore rebuilds all (the images carry shared/,
including the one entrypoint script, shared/ops/entrypoint.sh); anything else (docs, e2e/,
bench/, dev/, CI) rebuilds nothing. When nothing changed, nothing is done.

Options:
  -a, --all          deploy all apps
  -n, --dry-run      print every command instead of running it (needs no Docker;
                     records nothing)
      --since REF    detect changes since REF instead of the recorded commit
                     (an empty REF means "never deployed": all apps)
      --with-missing also build apps whose image is missing from the registry
      --build-only   build and push, but do not deploy the stack or record anything
      --no-build     skip build and push (images already pushed, e.g. by CI): deploy
                     the stack and record HEAD as deployed
      --list         print the apps that would be built, one per line, and exit
  -h, --help         show this help

Environment:
  REGISTRY           image registry (default registry.rose-ash.com:5000)

The last deployed commit is recorded only after a successful stack deploy that covered every
changed app, so an explicit partial deploy leaves the other changes pending.
EOF
}

# --- output -------------------------------------------------------------------------------

die() {
  printf 'deploy.sh: error: %s\n' "$*" >&2
  exit 1
}

usage_error() {
  printf 'deploy.sh: %s\n' "$*" >&2
  printf "Run './deploy.sh --help' for usage.\n" >&2
  exit 2
}

warn() {
  printf 'deploy.sh: warning: %s\n' "$*" >&2
}

info() {
  printf '%s\n' "$*"
}

# --- options ------------------------------------------------------------------------------

all=false
dry_run=false
since_set=false
since=""
with_missing=false
build=true
deploy=true
list_only=false
requested=()

is_app() {
  local candidate="$1" app
  for app in "${APPS[@]}"; do
    [[ "$candidate" == "$app" ]] && return 0
  done
  return 1
}

while (($# > 0)); do
  case "$1" in
    -a | --all) all=true ;;
    -n | --dry-run) dry_run=true ;;
    --since)
      (($# >= 2)) || usage_error "--since needs a commit (use --since '' for 'never deployed')"
      since_set=true
      since="$2"
      shift
      ;;
    --since=*)
      since_set=true
      since="${1#--since=}"
      ;;
    --with-missing) with_missing=true ;;
    --build-only) deploy=false ;;
    --no-build) build=false ;;
    --list) list_only=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    --) shift; break ;;
    -*) usage_error "unknown option '$1'" ;;
    *)
      is_app "$1" || usage_error "unknown app '$1' (apps: ${APPS[*]})"
      requested+=("$1")
      ;;
  esac
  shift
done
while (($# > 0)); do
  is_app "$1" || usage_error "unknown app '$1' (apps: ${APPS[*]})"
  requested+=("$1")
  shift
done

if ! $build && ! $deploy; then
  usage_error "--build-only and --no-build together leave nothing to do"
fi
if $all && ((${#requested[@]} > 0)); then
  usage_error "--all takes no app names"
fi
if ! $build && { $all || ((${#requested[@]} > 0)) || $with_missing || $list_only; }; then
  usage_error "--no-build deploys the stack from images already pushed; it takes no apps, --all, --with-missing or --list"
fi

# Everything below runs from the repository root, wherever the script was called from.
cd "$(dirname "${BASH_SOURCE[0]}")"

# --- change detection ---------------------------------------------------------------------

in_git_repo() {
  git rev-parse --is-inside-work-tree >/dev/null 2>&1
}

# Files that differ between commit $1 and the working tree, plus untracked files.
changed_files() {
  git -c core.quotePath=false diff --name-only --no-renames "$1" -- || return 1
  git -c core.quotePath=false ls-files --others --exclude-standard || return 1
}

# A change to any of these is in every image (or in the stack itself): rebuild all apps.
# (dev/, the all-in-one dev runner, is in no image: like e2e/ and bench/ it rebuilds nothing.)
readonly ALL_APPS_PATTERN='^(shared/|migrations/|_config/|docker-compose\.yml$|package\.json$|pnpm-lock\.yaml$|pnpm-workspace\.yaml$|\.npmrc$|\.dockerignore$)'

# Prints, in the canonical order, the apps owning a file of the list on stdin.
apps_touched() {
  local file top hit=" " app
  while IFS= read -r file; do
    [[ "$file" == */* ]] || continue
    top="${file%%/*}"
    if is_app "$top"; then hit+="$top "; fi
  done
  for app in "${APPS[@]}"; do
    if [[ "$hit" == *" $app "* ]]; then printf '%s\n' "$app"; fi
  done
}

# Sets `detected` (the apps to rebuild for changes since commit $1) and `detect_reason`.
detected=()
detect_reason=""
detect_changes() {
  local base="$1" listing trigger
  if [[ -z "$base" ]]; then
    detected=("${APPS[@]}")
    detect_reason="no previous deploy recorded: all apps"
    return 0
  fi
  if ! git cat-file -e "${base}^{commit}" 2>/dev/null; then
    warn "last deployed commit '$base' is not in this repository (history rewritten?); deploying all"
    detected=("${APPS[@]}")
    detect_reason="unknown base commit $base: all apps"
    return 0
  fi
  listing="$(changed_files "$base")" || die "git diff against $base failed"
  trigger="$(grep -m1 -E "$ALL_APPS_PATTERN" <<<"$listing" || true)"
  if [[ -n "$trigger" ]]; then
    detected=("${APPS[@]}")
    detect_reason="$trigger changed since ${base:0:12}: all apps"
  else
    mapfile -t detected < <(apps_touched <<<"$listing")
    detect_reason="changed since ${base:0:12}"
  fi
}

recorded_base() {
  if [[ -f "$STATE_FILE" ]]; then
    tr -d '[:space:]' <"$STATE_FILE"
  fi
}

# --- decide what to build -----------------------------------------------------------------

targets=()
reason=""
base=""
if $build; then
  if $all; then
    targets=("${APPS[@]}")
    reason="--all"
  elif ((${#requested[@]} > 0)); then
    # Canonical order, duplicates dropped.
    for app in "${APPS[@]}"; do
      for want in "${requested[@]}"; do
        if [[ "$want" == "$app" ]]; then targets+=("$app"); break; fi
      done
    done
    reason="named on the command line"
  else
    in_git_repo || die "cannot detect changes: $(pwd) is not a git work tree; name the apps or use --all"
    if $since_set; then base="$since"; else base="$(recorded_base)"; fi
    detect_changes "$base"
    targets=("${detected[@]}")
    reason="$detect_reason"
  fi
fi

step_total=0
step_index=0

# Runs one step: a progress line, the command (or just `+ command` when dry-running), then
# the duration; on failure, a clear message and exit with the command's status.
step() {
  local label="$1" started status
  shift
  step_index=$((step_index + 1))
  info "==> [${step_index}/${step_total}] ${label}"
  printf '+ %s\n' "$*"
  if $dry_run; then
    return 0
  fi
  started=$SECONDS
  set +e
  "$@"
  status=$?
  set -e
  if ((status != 0)); then
    printf 'deploy.sh: error: step %d/%d "%s" failed (exit %d) after %ds: %s\n' \
      "$step_index" "$step_total" "$label" "$status" "$((SECONDS - started))" "$*" >&2
    exit "$status"
  fi
  info "    done: ${label} ($((SECONDS - started))s)"
}

image_of() {
  printf '%s/%s:latest' "$REGISTRY" "$1"
}

# --with-missing: add apps whose image the registry does not have (fresh registry, pruned
# image). Dry runs print the query and assume the images exist.
if $with_missing && ((${#targets[@]} < ${#APPS[@]})); then
  missing=()
  for app in "${APPS[@]}"; do
    [[ " ${targets[*]} " == *" $app "* ]] && continue
    printf '+ docker manifest inspect %s\n' "$(image_of "$app")" >&2
    if ! $dry_run && ! docker manifest inspect "$(image_of "$app")" >/dev/null 2>&1; then
      missing+=("$app")
    fi
  done
  if ((${#missing[@]} > 0)); then
    merged=()
    for app in "${APPS[@]}"; do
      if [[ " ${targets[*]} ${missing[*]} " == *" $app "* ]]; then merged+=("$app"); fi
    done
    targets=("${merged[@]}")
    reason="$reason; missing from the registry: ${missing[*]}"
  fi
fi

if $list_only; then
  if ((${#targets[@]} > 0)); then printf '%s\n' "${targets[@]}"; fi
  printf 'deploy.sh: %s\n' "${reason:-nothing to do}" >&2
  exit 0
fi

if $build && ((${#targets[@]} == 0)); then
  info "Nothing to deploy: no app changed (${reason})."
  exit 0
fi

# --- preflight: fail before building anything -----------------------------------------------

problems=()
if $build || $deploy; then
  command -v docker >/dev/null 2>&1 || problems+=("docker is not installed or not on PATH")
fi
if $deploy; then
  [[ -f "$COMPOSE_FILE" ]] || problems+=("$COMPOSE_FILE not found in $(pwd)")
  [[ -f .env ]] || problems+=(".env not found in $(pwd) (copy .env.example and fill it in)")
fi
if ((${#problems[@]} == 0)) && ! $dry_run; then
  if ! swarm_manager="$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)"; then
    problems+=("cannot reach the Docker daemon (is it running, and may this user use it?)")
  elif $deploy && [[ "$swarm_manager" != "true" ]]; then
    problems+=("this Docker host is not a swarm manager (docker stack deploy needs one)")
  fi
fi
if ((${#problems[@]} > 0)); then
  for problem in "${problems[@]}"; do
    if $dry_run; then warn "a real run would stop here: $problem"; else printf 'deploy.sh: error: %s\n' "$problem" >&2; fi
  done
  $dry_run || exit 1
fi

# --- plan and run -------------------------------------------------------------------------

head_commit=""
if in_git_repo; then
  head_commit="$(git rev-parse HEAD 2>/dev/null || true)"
  if [[ -n "$(git status --porcelain --untracked-files=normal 2>/dev/null)" ]] && $build; then
    warn "the work tree has uncommitted changes; they go into the images"
  fi
fi

if $build; then step_total=$((${#targets[@]} * 2)); fi
if $deploy; then step_total=$((step_total + 1)); fi

$dry_run && info "Dry run: printing commands, running nothing."
if $build && $deploy; then
  info "Deploying ${targets[*]} to ${REGISTRY} and stack ${STACK} (${reason})."
elif $build; then
  info "Building and pushing ${targets[*]} to ${REGISTRY} (${reason})."
else
  info "Deploying stack ${STACK} from images already in ${REGISTRY}."
fi

run_started=$SECONDS
export REGISTRY
if $build; then
  for app in "${targets[@]}"; do
    step "build ${app}" docker build -f "${app}/Dockerfile" -t "$(image_of "$app")" .
    step "push ${app}" docker push "$(image_of "$app")"
  done
fi
if $deploy; then
  step "deploy stack ${STACK}" docker stack deploy -c "$COMPOSE_FILE" --with-registry-auth "$STACK"
fi

# --- record -------------------------------------------------------------------------------

if $dry_run; then
  info "Dry run complete (${#targets[@]} image(s), nothing recorded)."
  exit 0
fi
if ! $deploy; then
  info "Built and pushed ${targets[*]} in $((SECONDS - run_started))s (stack not deployed, nothing recorded)."
  exit 0
fi

record=false
if [[ -z "$head_commit" ]]; then
  warn "not a git work tree with commits: deployed commit not recorded"
elif ! $build || $all; then
  record=true
else
  # Record only if this run covered everything that changed since the last record (named
  # apps or --since may cover less), so a later bare ./deploy.sh still picks up the rest.
  detect_changes "$(recorded_base)"
  pending=()
  for app in "${detected[@]}"; do
    [[ " ${targets[*]} " == *" $app "* ]] || pending+=("$app")
  done
  if ((${#pending[@]} == 0)); then
    record=true
  else
    info "Not recording ${head_commit:0:12} as deployed: undeployed changes remain in ${pending[*]}."
  fi
fi
if $record; then
  mkdir -p "$STATE_DIR"
  printf '%s\n' "$head_commit" >"$STATE_FILE.tmp"
  mv "$STATE_FILE.tmp" "$STATE_FILE"
  printf '%s %s %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$head_commit" "${targets[*]:-stack}" >>"$HISTORY_FILE"
  info "Recorded ${head_commit:0:12} as deployed (${STATE_FILE})."
fi
info "Deployed in $((SECONDS - run_started))s."

#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what is missing (redis-server, postgresql, chromium, nodejs and npm for the
# OpenAPI linter, which the tests install from npm into .tools/), builds, runs each test project,
# and prints one closing line "N passed, M failed". Test fixtures start their own redis-server and PostgreSQL (initdb into a
# temporary folder, as the postgres user when run as root) on free loopback ports.
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Debian keeps PostgreSQL's server binaries off the PATH, in /usr/lib/postgresql/<version>/bin.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if ((${#need[@]})); then
  echo "Installing ${need[*]}..."
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "Installing ${need[*]} needs root: run as root or install sudo."; echo "0 passed, 1 failed"; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}" >/dev/null || { echo "could not install ${need[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi
command -v dotnet >/dev/null 2>&1 || { echo "The .NET 10 SDK is needed: https://dot.net/download"; echo "0 passed, 1 failed"; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build WorkflowStudio.sln -c Release -nologo -v q || { echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; status=0
results=$(mktemp -d)
for project in tests/*.Tests/*.csproj tests/*.BrowserTests/*.csproj; do
  [ -f "$project" ] || continue
  name=$(basename "$project" .csproj)
  echo "=== $name"
  dotnet test "$project" -c Release --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$results" 2>&1 | tee "$results/$name.log" | grep -vE '^\s*$' | tail -n 40
  rc=${PIPESTATUS[0]}
  line=$(grep -E '(Passed|Failed)!' "$results/$name.log" | tail -n 1)
  p=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$line"); f=$(sed -nE 's/.*Failed: *([0-9]+).*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ]; then status=1; [ -z "$f" ] || [ "$f" = 0 ] && failed=$((failed + 1)); fi
done
shots="${STUDIO_SCREENSHOTS:-artifacts/screenshots}"
if [ -d "$shots" ]; then echo "Screenshots: $(cd "$shots" && pwd)"; fi
echo "$passed passed, $failed failed"
exit $status

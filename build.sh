#!/usr/bin/env bash
# One entry point for building and testing ShadowProxy.
#   ./build.sh           build (Release, warnings as errors)
#   ./build.sh test      install missing system packages, build, run every test project
#   ./build.sh demo      run the proxy on its embedded demo configuration
#   ./build.sh pack      pack the library (ShadowProxy.Yarp) into artifacts/packages
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

apt_updated=0
ensure_package() { # ensure_package COMMAND-OR-PATH DEBIAN-PACKAGE
  if command -v "$1" >/dev/null 2>&1 || [ -e "$1" ]; then return 0; fi
  if [ "$(id -u)" != 0 ]; then echo "missing $2 (install it: apt-get install -y $2)" >&2; return 1; fi
  if [ $apt_updated = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

build() {
  dotnet build ShadowProxy.sln -c Release -nologo -clp:ErrorsOnly -p:TreatWarningsAsErrors=true
}

run_tests() {
  ensure_package redis-server redis-server
  ensure_package /usr/bin/chromium chromium
  ensure_package promtool prometheus   # validates and unit-tests deploy/prometheus/alerts.yml
  build
  local results=artifacts/test-results
  rm -rf "$results"; mkdir -p "$results"
  local status=0 passed=0 failed=0 skipped=0
  for project in tests/*/*.csproj; do
    local name; name=$(basename "$project" .csproj)
    echo "== $name"
    if ! dotnet test "$project" -c Release --no-build --nologo \
         --logger "trx;LogFileName=$PWD/$results/$name.trx" --logger "console;verbosity=minimal" \
         --blame-hang-timeout 5m; then
      status=1
    fi
    local trx="$results/$name.trx"
    if [ -f "$trx" ]; then
      local counters; counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
      local p f t e
      p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
      f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
      t=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
      e=$(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")
      passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + t - e))
    else
      echo "no test results for $name" >&2; status=1
    fi
  done
  if [ "$passed" = 0 ]; then status=1; fi
  echo "$passed passed, $failed failed, $skipped skipped"
  return $status
}

case "${1:-build}" in
  build) build ;;
  test) run_tests ;;
  demo) exec dotnet run --project src/ShadowProxy -c Release -- --demo ;;
  pack) dotnet pack src/ShadowProxy.Yarp/ShadowProxy.Yarp.csproj -c Release -nologo -o artifacts/packages ;;
  *) echo "usage: $0 [build|test|demo|pack]" >&2; exit 64 ;;
esac

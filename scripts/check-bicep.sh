#!/usr/bin/env bash
# Compiles infra/main.bicep with the Bicep CLI from the NuGet package Azure.Bicep.CommandLine.linux-x64
# (no registry modules: everything is local) and fails on any error or warning.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="0.49.2"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/journeys/bicep-$version"
bicep="$cache/tools/bicep"
if [[ ! -x "$bicep" ]]; then
  mkdir -p "$cache"
  nupkg="$cache/bicep.nupkg"
  curl -sSfL --retry 3 -o "$nupkg" "https://api.nuget.org/v3-flatcontainer/azure.bicep.commandline.linux-x64/$version/azure.bicep.commandline.linux-x64.$version.nupkg"
  (cd "$cache" && unzip -o -q "$nupkg" 'tools/*')
  chmod +x "$bicep"
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
if ! "$bicep" build "$root/infra/main.bicep" --outdir "$out" 2> "$out/diagnostics.txt"; then
  cat "$out/diagnostics.txt" >&2
  echo "bicep: build failed" >&2
  exit 1
fi
if grep -qE "(Warning|Error) " "$out/diagnostics.txt"; then
  cat "$out/diagnostics.txt" >&2
  echo "bicep: warnings are errors here" >&2
  exit 1
fi
echo "bicep: infra/main.bicep compiled with no warnings ($("$bicep" --version))"

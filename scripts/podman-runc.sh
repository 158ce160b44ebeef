#!/usr/bin/env bash
# An OCI runtime for podman on machines that do not grant CAP_SYS_RESOURCE (setrlimit fails in runc): it deletes
# process.rlimits from the bundle's config.json, then runs runc. Use: podman --runtime "$PWD/scripts/podman-runc.sh" ...
set -euo pipefail
bundle=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --bundle | -b) bundle="${args[$((i + 1))]}" ;;
    --bundle=*) bundle="${args[$i]#--bundle=}" ;;
  esac
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  tmp="$bundle/config.json.norlimits"
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c.get("process",{}).pop("rlimits",None); json.dump(c,open(sys.argv[2],"w"))' "$bundle/config.json" "$tmp"
  mv "$tmp" "$bundle/config.json"
fi
exec runc "$@"

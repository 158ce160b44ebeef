#!/usr/bin/env bash
# An OCI runtime for podman on machines that do not grant CAP_SYS_RESOURCE (setrlimit fails in runc): it deletes the
# rlimits from the bundle's config.json (`create`, `run`) and from the process file of `exec` (health checks, podman
# exec), then runs runc. Use: podman --runtime "$PWD/scripts/podman-runc.sh" ...
set -euo pipefail
strip() { # FILE JSONPATH(process|top)
  python3 -c '
import json, sys
path, where = sys.argv[1], sys.argv[2]
c = json.load(open(path))
(c.get("process", {}) if where == "process" else c).pop("rlimits", None)
json.dump(c, open(path + ".norlimits", "w"))' "$1" "$2"
  mv "$1.norlimits" "$1"
}
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --bundle | -b) [ -f "${args[$((i + 1))]}/config.json" ] && strip "${args[$((i + 1))]}/config.json" process ;;
    --bundle=*) [ -f "${args[$i]#--bundle=}/config.json" ] && strip "${args[$i]#--bundle=}/config.json" process ;;
    --process | -p) [ -f "${args[$((i + 1))]}" ] && strip "${args[$((i + 1))]}" top ;;
    --process=*) [ -f "${args[$i]#--process=}" ] && strip "${args[$i]#--process=}" top ;;
  esac
done
exec runc "$@"

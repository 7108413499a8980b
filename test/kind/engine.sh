#!/usr/bin/env bash
# The project's own Docker engine, for the kind suite. This machine's engine
# cannot start privileged containers (its bounding set lacks
# CAP_SYS_RESOURCE), and kind's nodes are privileged. This one is Debian's
# dockerd with a configuration file of its own (the machine's daemon.json
# clashes with command-line flags): its own socket, state and containerd
# namespaces, no default bridge and no iptables rules, and runc-wrapper as its
# default runtime. The machine's engine is left alone.
#
#   test/kind/engine.sh start   start it (idempotent); waits until it answers
#   test/kind/engine.sh stop    stop it and every container it runs
#   test/kind/engine.sh env     print the DOCKER_HOST line to eval
#   test/kind/engine.sh status  exit 0 when it answers
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.sh"

# The exec root holds the containers' runtime state and the shims' sockets,
# whose paths must stay short (108 bytes); /run is on tmpfs-like storage that
# does not outlive the machine, as it should.
EXEC_ROOT=/run/explain-nodes-docker
PIDFILE="$ENGINE_DIR/run/dockerd.pid"
LOG="$ENGINE_DIR/dockerd.log"
export DOCKER_HOST="unix://$ENGINE_SOCK"

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid=$(cat "$PIDFILE")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start() {
  if running_pid >/dev/null && answers; then
    echo "engine already running at $DOCKER_HOST" >&2
    return 0
  fi
  [[ $(id -u) == 0 ]] || { echo "engine.sh: the engine needs root" >&2; exit 1; }
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v jq >/dev/null || need+=(jq)
  if ((${#need[@]})); then
    echo "installing ${need[*]} from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  fi
  mkdir -p "$ENGINE_DIR/run" "$ENGINE_DIR/data" "$EXEC_ROOT"
  install -m 0755 "$here/runc-wrapper" "$ENGINE_DIR/runc-wrapper"
  cat >"$ENGINE_DIR/daemon.json" <<JSON
{
  "hosts": ["unix://$ENGINE_SOCK"],
  "data-root": "$ENGINE_DIR/data",
  "exec-root": "$EXEC_ROOT",
  "pidfile": "$PIDFILE",
  "bridge": "none",
  "iptables": false,
  "ip-masq": false,
  "storage-driver": "overlay2",
  "containerd-namespace": "explain-nodes",
  "containerd-plugins-namespace": "explain-nodes-plugins",
  "runtimes": {"explain-nodes-runc": {"path": "$ENGINE_DIR/runc-wrapper"}},
  "default-runtime": "explain-nodes-runc",
  "log-driver": "json-file",
  "log-opts": {"max-size": "10m", "max-file": "2"}
}
JSON
  echo "starting dockerd at $DOCKER_HOST (log: $LOG)" >&2
  setsid dockerd --config-file "$ENGINE_DIR/daemon.json" >>"$LOG" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 60; i++)); do
    if answers; then
      echo "engine running: $(docker version --format 'dockerd {{.Server.Version}}')" >&2
      return 0
    fi
    sleep 1
  done
  echo "engine did not answer within 60s; the end of its log:" >&2
  tail -20 "$LOG" >&2
  exit 1
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    echo "engine not running" >&2
    return 0
  fi
  if answers; then
    local ids; ids=$(docker ps -q)
    [[ -z "$ids" ]] || docker kill $ids >/dev/null 2>&1 || true
  fi
  kill "$pid"
  local i
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || { echo "engine stopped" >&2; return 0; }
    sleep 1
  done
  echo "engine did not stop within 30s; killing it" >&2
  kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  status) answers ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac

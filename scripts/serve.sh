#!/usr/bin/env bash
# Start the django-q2 cluster in the background and the web server in the foreground; stopping
# the web server (Ctrl+C) stops the cluster too.
set -euo pipefail
: "${PY:=.venv/bin/python}" "${HOST:=127.0.0.1}" "${PORT:=8000}"
export TOUCHFLOW_PUBLIC_URL="${TOUCHFLOW_PUBLIC_URL:-http://$HOST:$PORT}"

"$PY" manage.py qcluster &
cluster_pid=$!
trap 'kill "$cluster_pid" 2>/dev/null || true; wait "$cluster_pid" 2>/dev/null || true' EXIT INT TERM

echo
echo "Touchflow is starting on http://$HOST:$PORT/"
echo "  admin:    http://$HOST:$PORT/admin/"
echo "  API docs: http://$HOST:$PORT/api/docs/"
echo
"$(dirname "$PY")/gunicorn" core.wsgi --bind "$HOST:$PORT" --workers 2 --access-logfile - &
web_pid=$!
wait "$web_pid"

#!/usr/bin/env bash
# schemathesis (v4) with every check against the API's own OpenAPI schema (/api/schema/), as the
# administrator and as an agent who sees one city company, on a small freshly seeded database.
# Fails on any failure. Run from the repository: bash .ci/schemathesis.sh (PostgreSQL and Redis up).
# SCHEMATHESIS_DB (default crm_schemathesis, dropped and made again), SCHEMATHESIS_PORT (8799) and
# SCHEMATHESIS_MAX_EXAMPLES (examples per operation in the fuzzing phase, default 5) may be set.
set -euo pipefail
cd "$(dirname "$0")/.."

db="${SCHEMATHESIS_DB:-crm_schemathesis}"
port="${SCHEMATHESIS_PORT:-8799}"
examples="${SCHEMATHESIS_MAX_EXAMPLES:-5}"
venv="${VENV:-.venv}"  # the virtualenv (a worktree may use another checkout's)
python="$venv/bin/python"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"

SECONDS=0
dropdb -h 127.0.0.1 -U postgres --if-exists "$db"
createdb -h 127.0.0.1 -U postgres "$db"
DEBUG=1 "$python" manage.py migrate --noinput -v 0
DEBUG=1 "$python" manage.py seed_demo --units 80 --customers 100 --complaints 40 -v 0 >/dev/null
tokens="$(DEBUG=1 "$python" manage.py shell -v 0 -c "$(cat .ci/schemathesis_users.py)")"
echo "database made and seeded in ${SECONDS}s"
admin_token="$(awk '$1 == "TOKEN" && $2 == "admin" {print $3}' <<<"$tokens")"
agent_token="$(awk '$1 == "TOKEN" && $2 == "agent" {print $3}' <<<"$tokens")"

# As the demo serves: DEBUG off (the API's own 404s), the development keys, plain http (DEMO=1).
DEBUG=0 DEMO=1 "$venv/bin/gunicorn" crm.wsgi --bind "127.0.0.1:$port" --workers 3 --timeout 60 \
    --log-level warning >/tmp/crm-schemathesis-server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT

# The two users run side by side, each in its own process with one worker: schemathesis's threads
# (--workers 2) parse Python source concurrently through Hypothesis, and CPython 3.11's AST builder
# is not safe for that ("AST constructor recursion depth mismatch", an error of the tool's own).
logs="$(mktemp -d)"
run() {  # who, token, log
    "$venv/bin/schemathesis" --config-file .ci/schemathesis.toml run \
        "http://127.0.0.1:$port/api/schema/?format=json" --wait-for-schema 60 \
        --checks all --header "Authorization: Token $2" \
        --phases examples,coverage,fuzzing --max-examples "$examples" --workers 1 --no-shrink \
        --seed 20240315 >"$3" 2>&1
}
run administrator "$admin_token" "$logs/admin" &
admin=$!
run "agent (one city company)" "$agent_token" "$logs/agent" &
agent=$!
status=0
wait "$admin" || status=1
wait "$agent" || status=1
printf '\n--- schemathesis as administrator\n'
cat "$logs/admin"
printf '\n--- schemathesis as agent (one city company)\n'
cat "$logs/agent"
rm -rf "$logs"
echo "schemathesis.sh: ${SECONDS}s in all"
exit "$status"

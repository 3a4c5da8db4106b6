#!/bin/sh
# docker-compose's temporal-namespace service: mlcycle's namespace and search attributes on the running server, safe to run again.
# Runs in temporalio/admin-tools; the temporal CLI reads TEMPORAL_ADDRESS. Every wait is bounded.
set -eu
: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is not set}" "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is not set}"
: "${MLCYCLE_SEARCH_ATTRIBUTES:?MLCYCLE_SEARCH_ATTRIBUTES is not set (Name=Type ...)}"
ns=$TEMPORAL_NAMESPACE

# Retries "$@" up to 30 times, 2 s apart; the last error is shown.
retry() {
  i=1
  until out=$("$@" 2>&1); do
    if [ "$i" -ge 30 ]; then echo "gave up after 30 tries: $*: $out" >&2; return 1; fi
    i=$((i + 1))
    sleep 2
  done
}

retry temporal operator cluster health
if temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  echo "namespace $ns exists"
else
  temporal operator namespace create --namespace "$ns" --retention "${TEMPORAL_NAMESPACE_RETENTION:-168h}"
  echo "namespace $ns created"
fi

# One call for all of them; an attribute that exists is left as it is. A new namespace takes a moment to be served.
set --
for pair in $MLCYCLE_SEARCH_ATTRIBUTES; do set -- "$@" --name "${pair%%=*}" --type "${pair#*=}"; done
retry temporal operator search-attribute create --namespace "$ns" "$@"

# Done when a visibility query that uses every attribute is accepted: before that, starting a run that sets one fails.
query=""
for pair in $MLCYCLE_SEARCH_ATTRIBUTES; do query="${query:+$query AND }${pair%%=*} = 'none'"; done
retry temporal workflow list --namespace "$ns" --limit 1 --query "$query"
echo "search attributes of $ns: $MLCYCLE_SEARCH_ATTRIBUTES"

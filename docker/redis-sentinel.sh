#!/bin/sh
# A Redis Sentinel of docker-compose.yml's scale profile: writes its configuration file, then starts it.
#   redis-password.sh client redis-sentinel.sh <redis-server command...>
#       runs the command with the configuration file and --sentinel appended. Run under redis-password.sh's client side,
#       which puts the data nodes' password in REDISCLI_AUTH: the Sentinel uses it with the data nodes (auth-pass) and
#       requires it from its clients (requirepass), which it also uses with the other Sentinels; the studio sends its Redis
#       password to the Sentinels as well (StackExchange.Redis's sentinelPassword defaults to password).
# From the environment: SENTINEL_HOSTNAME, the name the other Sentinels and the studios reach this one by (required);
# REDIS_PRIMARY_HOST and REDIS_PRIMARY_PORT, the primary to watch at start (redis-primary, 6379); SENTINEL_CONF, the file
# (/data/sentinel.conf: a folder the image's entrypoint hands to the redis user, as Sentinel rewrites the file and writes a
# temporary one beside it); SENTINEL_PORT (26379); SENTINEL_QUORUM (2); SENTINEL_DOWN_AFTER_MS (5000) and
# SENTINEL_FAILOVER_TIMEOUT_MS (60000), as docs/deployment.md, "Sentinel settings", recommends.
#
# The file is written afresh at every start rather than kept: the data nodes take their roles from the compose file at
# every start too (redis-primary without replicaof), so a restarted Sentinel starts from the same picture as they do,
# and the other Sentinels tell it of any failover since (their hello messages carry the newer configuration epoch).
set -eu

[ $# -ge 1 ] || { echo "usage: $0 <redis-server command...>" >&2; exit 64; }
: "${REDISCLI_AUTH:?run this under redis-password.sh client, which sets the password}"
: "${SENTINEL_HOSTNAME:?set SENTINEL_HOSTNAME to the name this Sentinel is reached by}"
conf="${SENTINEL_CONF:-/data/sentinel.conf}"
service=mymaster

# The password is in the file: readable by its owner only (the image's entrypoint hands it to the redis user).
umask 077
# resolve-hostnames before monitor: the primary is named, not numbered (container addresses change on restart).
cat > "$conf" <<CONF
port ${SENTINEL_PORT:-26379}
requirepass $REDISCLI_AUTH
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $SENTINEL_HOSTNAME
sentinel monitor $service ${REDIS_PRIMARY_HOST:-redis-primary} ${REDIS_PRIMARY_PORT:-6379} ${SENTINEL_QUORUM:-2}
sentinel auth-pass $service $REDISCLI_AUTH
sentinel down-after-milliseconds $service ${SENTINEL_DOWN_AFTER_MS:-5000}
sentinel failover-timeout $service ${SENTINEL_FAILOVER_TIMEOUT_MS:-60000}
sentinel parallel-syncs $service 1
CONF
unset REDISCLI_AUTH
exec "$@" "$conf" --sentinel

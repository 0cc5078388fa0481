#!/bin/sh
# The password of docker-compose.yml's Redis, one file shared by both sides (the redis-secret volume):
#   redis-password.sh server <redis-server command...>
#       writes the password to $REDIS_PASSWORD_FILE (REDIS_PASSWORD when set; otherwise the one already there, or one
#       generated at the first start) and starts Redis requiring it, and using it with its primary should it be or become
#       a replica (the scale profile's Sentinels turn a primary into one after a failover). The password reaches
#       redis-server on its standard input ("-": read configuration from there), so it is not on its command line.
#   redis-password.sh client <command...>
#       runs the command with the password in REDISCLI_AUTH (for redis-cli) and, when ConnectionStrings__Redis is set,
#       appended to it as password=… (for the studio).
set -eu

file="${REDIS_PASSWORD_FILE:-/run/secrets/redis/password}"
usage="usage: $0 server|client <command...>"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 64; }
mode=$1
shift

case "$mode" in
server)
    if [ -n "${REDIS_PASSWORD:-}" ]; then
        case "$REDIS_PASSWORD" in
        *[!A-Za-z0-9._~-]*)
            echo "REDIS_PASSWORD may hold only letters, digits and . _ ~ - (it goes into the studio's connection string)." >&2
            exit 64
            ;;
        esac
        printf '%s' "$REDIS_PASSWORD" > "$file"
    elif [ ! -s "$file" ]; then
        # 32 random bytes as 64 hex digits.
        head -c 32 /dev/urandom | od -A n -t x1 | tr -d ' \n' > "$file"
    fi
    # Readable by the studio's unprivileged user; the volume holding it is mounted into Redis and the studio only.
    chmod 0444 "$file"
    password=$(cat "$file")
    exec "$@" - <<CONF
requirepass $password
masterauth $password
CONF
    ;;
client)
    password=$(cat "$file")
    export REDISCLI_AUTH="$password"
    if [ -n "${ConnectionStrings__Redis:-}" ]; then
        export ConnectionStrings__Redis="$ConnectionStrings__Redis,password=$password"
    fi
    exec "$@"
    ;;
*)
    echo "$usage" >&2
    exit 64
    ;;
esac

#!/bin/sh
# The PostgreSQL password of docker-compose.yml's scale profile, one file shared by the database and the studios (the
# postgres-secret volume), kept the way docker/redis-password.sh keeps Redis's:
#   postgres-password.sh server <postgres image command...>
#       writes the password to $POSTGRES_PASSWORD_FILE (POSTGRES_PASSWORD when set; otherwise the one already there, or one
#       generated at the first start) and runs the command with POSTGRES_PASSWORD_FILE set and POSTGRES_PASSWORD unset (the
#       image takes one or the other). The image gives the password to POSTGRES_USER only when it creates the database
#       (an empty data volume): to change it later, ALTER ROLE in the database first, then set POSTGRES_PASSWORD to match.
#   postgres-password.sh client <command...>
#       runs the command with ;Password=… appended to ConnectionStrings__Studio, when that is set (for the studio).
set -eu

file="${POSTGRES_PASSWORD_FILE:-/run/secrets/postgres/password}"
usage="usage: $0 server|client <command...>"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 64; }
mode=$1
shift

case "$mode" in
server)
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then
        case "$POSTGRES_PASSWORD" in
        *[!A-Za-z0-9._~-]*)
            echo "POSTGRES_PASSWORD may hold only letters, digits and . _ ~ - (it goes into the studio's connection string)." >&2
            exit 64
            ;;
        esac
        printf '%s' "$POSTGRES_PASSWORD" > "$file"
    elif [ ! -s "$file" ]; then
        # 32 random bytes as 64 hex digits.
        head -c 32 /dev/urandom | od -A n -t x1 | tr -d ' \n' > "$file"
    fi
    # Readable by the postgres user and the studio's unprivileged user; the volume holding it is mounted into PostgreSQL
    # and the studios only.
    chmod 0444 "$file"
    unset POSTGRES_PASSWORD
    export POSTGRES_PASSWORD_FILE="$file"
    exec "$@"
    ;;
client)
    password=$(cat "$file")
    if [ -n "${ConnectionStrings__Studio:-}" ]; then
        export ConnectionStrings__Studio="$ConnectionStrings__Studio;Password=$password"
    fi
    exec "$@"
    ;;
*)
    echo "$usage" >&2
    exit 64
    ;;
esac

#!/bin/sh
# The image's entrypoint, modelled on the official redis image's:
#   (no arguments)             grove-server /etc/grove/grove.conf (the CMD)
#   --option value ...         grove-server /etc/grove/grove.conf --option value ...
#   something.conf [...]       grove-server something.conf ...
#   --version, -v, --help, -h  grove-server --version (it takes them alone)
#   anything else              run as given (sh, grove-cli ping, ...)
# grove-server is started as the grove user: as root (the default), the
# entrypoint first gives /data to grove, so bind mounts work too, then drops
# privileges with setpriv (util-linux, already in the base image; the redis
# image uses gosu for the same). $GROVE_PASSWORD, when set, becomes
# --requirepass, and the health check's grove-cli reads the same variable.
set -e

case "$1" in
    -v | --version | -h | --help) exec grove-server "$@" ;;
    -*) set -- grove-server /etc/grove/grove.conf "$@" ;;
    *.conf) set -- grove-server "$@" ;;
esac

if [ "$1" = grove-server ] && [ "$(id -u)" = 0 ]; then
    find /data \! -user grove -exec chown grove:grove '{}' +
    exec setpriv --reuid=grove --regid=grove --init-groups "$0" "$@"
fi

# After the re-exec above, so that it is added once.
if [ "$1" = grove-server ] && [ -n "${GROVE_PASSWORD:-}" ]; then
    set -- "$@" --requirepass "$GROVE_PASSWORD"
fi

# Snapshots hold the data: readable by the server's user only, as in redis.
if [ "$(umask)" = 0022 ]; then
    umask 0077
fi

exec "$@"

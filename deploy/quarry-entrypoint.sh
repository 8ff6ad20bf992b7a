#!/bin/sh
# Entry point of the Quarry image: runs one `quarry` command (a role such as `meta`, `shard`, `coordinator`,
# `suggest`, or any client command) as PID 1, so that `docker stop` delivers SIGTERM straight to the JVM, whose
# shutdown hook stops the role gracefully. QUARRY_HEAP sets the maximum heap (default 1g); QUARRY_JAVA_OPTS adds options.
set -eu
# shellcheck disable=SC2086
exec java -Xmx"${QUARRY_HEAP:-1g}" -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  ${QUARRY_JAVA_OPTS:-} -cp '/opt/quarry/lib/*' dev.quarry.cli.Quarry "$@"

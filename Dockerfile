# The Quarry image: the `quarry` command, able to run every role, from the Maven build's output.
#   ./mvnw -B -DskipTests package          # cli/target/quarry-cli-*.jar and its dependencies in cli/target/lib
#   docker build -t quarry .               # or let docker-compose.yml build it
#   docker run --rm quarry --help
# Configuration is by environment (QUARRY_* variables, see each command's --help); data lives in /data.
FROM eclipse-temurin:25-jre

RUN groupadd --system quarry \
 && useradd --system --gid quarry --home-dir /data --no-create-home quarry \
 && mkdir -p /data /opt/quarry/lib /opt/quarry/bin \
 && chown quarry:quarry /data

COPY cli/target/lib/ /opt/quarry/lib/
COPY cli/target/quarry-cli-*.jar /opt/quarry/lib/
COPY deploy/quarry-entrypoint.sh /opt/quarry/bin/quarry

USER quarry
WORKDIR /data
VOLUME ["/data"]
# raft-meta client/Raft/metrics, shard gRPC/metrics, coordinator gRPC/metrics, suggest HTTP (+ /metrics)
EXPOSE 7100 7101 7102 7200 7201 7400 7401 7600
ENTRYPOINT ["/opt/quarry/bin/quarry"]
CMD ["--help"]

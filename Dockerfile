# syntax=docker/dockerfile:1
# Build: docker build -t rebound .
# Run:   docker run -p 8080:8080 -v rebound-data:/app/data -e OPENAI_API_KEY -e ANTHROPIC_API_KEY rebound
#        (conf/docker.yaml lists every variable it reads; mount your own config over /app/conf to replace it)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# the Maven repository is a build cache, so a source change does not download the world again; a dependency that
# cannot be fetched fails the build here
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests -pl gateway -am package

FROM eclipse-temurin:17-jre
WORKDIR /app
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin rebound && mkdir -p /app/data && chown rebound /app/data
COPY --from=build /src/gateway/target/rebound.jar /app/rebound.jar
COPY conf/ /app/conf/
USER rebound
# A bounded JVM: heap, metaspace, code cache, direct buffers (Netty) and thread stacks together keep the process
# under 512 MiB of RSS; the serial collector has the least overhead at this heap size, and a small initial heap
# (-Xms64m) lets it grow only as far as the load needs (without it the JVM commits the whole -Xmx at start). The young
# generation is half the heap (-XX:NewRatio=1) instead of a third: requests in flight (a 200 KB prompt is about 1 MB of
# tree and bytes) outlived the smaller one, were promoted and cost a full collection every 130 ms. Replace the whole
# value to change it, e.g. -e REBOUND_JAVA_OPTS="-Xmx1g -XX:NewRatio=1 -XX:MaxMetaspaceSize=128m -XX:MaxDirectMemorySize=256m".
ENV REBOUND_JAVA_OPTS="-Xms64m -Xmx256m -XX:NewRatio=1 -Xss512k -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m -XX:MaxDirectMemorySize=64m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError" \
    REBOUND_HOST=0.0.0.0 \
    REBOUND_PORT=8080
EXPOSE 8080
# sessions live here: mount a named volume (-v rebound-data:/app/data) so they outlive the container
VOLUME ["/app/data"]
# the image has no curl: the jar asks /health itself, in a small short-lived JVM
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["java", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "/app/rebound.jar", "health-check"]
# exec: java is PID 1 and gets docker stop's SIGTERM (the gateway flushes its store and exits)
ENTRYPOINT ["/bin/sh", "-c", "exec java $REBOUND_JAVA_OPTS -jar /app/rebound.jar \"$@\"", "rebound"]
CMD ["serve", "--config", "/app/conf/docker.yaml"]

# Build: docker build -t rebound .
# Run:   docker run -p 8080:8080 -v "$PWD/conf:/app/conf:ro" -e ANTHROPIC_API_KEY rebound
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY routing/pom.xml routing/
COPY session-store/pom.xml session-store/
COPY mock-llm/pom.xml mock-llm/
COPY gateway/pom.xml gateway/
COPY bench/pom.xml bench/
# dependencies in their own layer, so a source change does not download the world again
RUN mvn -B -q dependency:go-offline -DexcludeGroupIds=dev.rebound || true
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
RUN useradd --system --home /app rebound && mkdir -p /app/data && chown rebound /app/data
COPY --from=build /src/gateway/target/rebound.jar /app/rebound.jar
COPY conf/ /app/conf/
USER rebound
ENV REBOUND_HOST=0.0.0.0 REBOUND_PORT=8080
EXPOSE 8080
VOLUME ["/app/data"]
ENTRYPOINT ["java", "-XX:+UseZGC", "-jar", "/app/rebound.jar"]
CMD ["serve", "--config", "/app/conf/rebound.yaml"]

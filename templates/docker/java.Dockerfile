# syntax=docker/dockerfile:1
# A Java service: a Maven build in one stage, the jar run on a JRE of the
# same release as an unprivileged user. Base images are pinned to exact
# versions; pin them by digest too once your registry mirrors them. No secret
# is passed to the build: the service gets its configuration from the
# environment at run time.

FROM maven:3.9.9-eclipse-temurin-21 AS build
WORKDIR /src
# Dependencies first, so that they are cached while the code changes.
COPY pom.xml ./
RUN mvn --batch-mode --quiet dependency:go-offline
COPY src ./src
RUN mvn --batch-mode --quiet package -DskipTests && cp target/*.jar /app.jar

FROM eclipse-temurin:21.0.5_11-jre
WORKDIR /app
COPY --from=build /app.jar /app/app.jar
# The uid and gid the platform runs pods as (`security run-as-user`). The
# root filesystem is read-only: no performance data files in /tmp.
USER 10001:10001
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:-UsePerfData"
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/app.jar"]

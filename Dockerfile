# Stages: `build` installs the project into a virtualenv; `development` runs it with everything
# (the payment simulator and its test cards, the load generator); `production` (the default,
# last stage) drops those. Both run as an unprivileged user. Compose picks the command.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY . .
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .

FROM python:3.11-slim AS development
ENV PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY migrations ./migrations
USER 10001
EXPOSE 8000 8090
CMD ["payment-saga-api"]

FROM development AS production
USER root
# No developer tools (devtools/: the processors' test servers and their test cards, the local
# stack launcher, the load generator): a production image talks to a processor. The folder
# goes, and every console script that starts something in it.
RUN site=$(python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
    && rm -rf "$site/devtools" \
    && grep -l "from devtools" /opt/venv/bin/* | xargs rm -f
USER 10001

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
COPY alembic.ini ./
COPY migrations ./migrations
USER 10001
EXPOSE 8000 8090
CMD ["payment-saga-api"]

FROM development AS production
USER root
# No simulator, no test cards, no load generator: a production image talks to a processor.
RUN site=$(python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
    && rm -rf "$site/gateway/simulator.py" "$site/gateway/processor.py" "$site/gateway/stripe_fake.py" \
       "$site/gateway/authorizenet_fake.py" "$site/bench" \
    && rm -f /opt/venv/bin/payment-saga-gateway /opt/venv/bin/payment-saga-bench
USER 10001

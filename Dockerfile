# One image for the API, the worker and the gateway simulator; compose picks the command.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY . .
RUN pip install .
EXPOSE 8000 8090
CMD ["payment-saga-api"]

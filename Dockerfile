# The Huddle server image: one Python 3.11 process per container.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY moderation ./moderation
COPY client ./client
COPY web ./web
RUN pip install --no-cache-dir . && useradd --system --uid 10001 huddle && mkdir -p /data && chown huddle /data
USER huddle
ENV HUDDLE_HOST=0.0.0.0 HUDDLE_PORT=8080 HUDDLE_DATA_DIR=/data
EXPOSE 8080
CMD ["huddle", "serve"]

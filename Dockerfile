# syntax=docker/dockerfile:1
# Laurel production image: build a wheel, install it into a clean runtime, run as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY badges ./badges
COPY templates ./templates
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    LAUREL_ENVIRONMENT=production LAUREL_DATA_DIR=/var/lib/laurel \
    LAUREL_HOST=0.0.0.0 LAUREL_PORT=8000 LAUREL_WORKERS=4
RUN useradd --system --uid 10001 --home-dir /var/lib/laurel --create-home laurel
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir -r /tmp/requirements.lock && rm /tmp/requirements.lock
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/*.whl && rm -rf /wheels
USER laurel
WORKDIR /var/lib/laurel
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
# Migrations are an explicit step: `docker run --rm IMAGE laurel migrate` before rolling out.
CMD ["laurel", "serve"]

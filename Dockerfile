# The portal's image: one image for migrate, web (gunicorn), the workers and beat (Celery).
#
# Reproducible: the base image is pinned by digest (`make pin-images` prints the registry's
# current one to move it on purpose) and every Python package comes from requirements.lock,
# pinned with its hashes (`make lock`). Mirrors for mainland China, as build arguments (compose
# passes PIP_INDEX_URL and DEBIAN_MIRROR from .env):
#   docker compose build --build-arg PIP_INDEX_URL=https://pypi.tuna.tsinghua.edu.cn/simple \
#                        --build-arg DEBIAN_MIRROR=https://mirrors.aliyun.com
# A mirror cannot change what is installed: pip refuses a file whose hash is not in the lock.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91
FROM ${PYTHON_IMAGE}

ARG PIP_INDEX_URL=https://pypi.org/simple
ARG DEBIAN_MIRROR=

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

# Chinese fonts and Pango are what WeasyPrint needs for the reports' PDFs. DEBIAN_MIRROR (a
# Debian mirror's root, e.g. https://mirrors.aliyun.com) replaces deb.debian.org.
RUN if [ -n "$DEBIAN_MIRROR" ]; then \
      sed -i "s|http://deb.debian.org|${DEBIAN_MIRROR%/}|g" /etc/apt/sources.list.d/debian.sources; \
    fi \
 && apt-get update \
 && apt-get install -y --no-install-recommends gettext fonts-noto-cjk \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 portal
WORKDIR /app

# The packages first (a layer that changes only with the lock), each checked against its hash.
# The portal itself is not installed: it runs from /app (manage.py, gunicorn and celery import
# it from the working directory).
COPY requirements.lock ./
RUN PIP_INDEX_URL="$PIP_INDEX_URL" pip install --require-hashes --no-deps -r requirements.lock

COPY . .

# collectstatic needs settings but no secrets; a throwaway key satisfies the production check.
RUN SECRET_KEY=collectstatic-only-$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
    python manage.py collectstatic --no-input

RUN mkdir -p /app/media && chown -R portal:portal /app/media
USER portal
EXPOSE 8000
# Exec form: gunicorn is PID 1 and gets `docker stop`'s SIGTERM itself (config/gunicorn.py).
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]

# syntax=docker/dockerfile:1
# A Python service: dependencies installed into a virtual environment in one
# stage, copied into a clean image of the same Python and run as an
# unprivileged user. Base images are pinned to exact versions; pin them by
# digest too once your registry mirrors them. No secret is passed to the
# build: the service gets its configuration from the environment at run time.

FROM python:3.12.8-slim-bookworm AS build
WORKDIR /app
RUN python -m venv /venv
ENV PATH="/venv/bin:$PATH"
COPY requirements.txt ./
# Add `--require-hashes` once requirements.txt pins hashes (pip-compile --generate-hashes).
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

FROM python:3.12.8-slim-bookworm
ENV PATH="/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /app /app
# The uid and gid the platform runs pods as (`security run-as-user`).
USER 10001:10001
EXPOSE 8080
CMD ["python", "-m", "{{module}}"]

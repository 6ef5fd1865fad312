# The one image every Airflow service of docker-compose.yml runs: Airflow 3.3.2 on Python 3.11
# plus the standard_parts package and its exact pins. Nothing is installed at container start.
#
# The slim variant is Airflow core without the ~30 preinstalled providers of the full image, so the
# environment is exactly what constraints.txt pins (the celery, postgres and redis providers come
# from pyproject.toml). On the full apache/airflow:3.3.2-python3.11 image our pins would move
# packages underneath providers we never test, and `pip check` could not vouch for the result.
FROM apache/airflow:slim-3.3.2-python3.11

# A source folder the airflow user owns (WORKDIR alone would create it owned by root).
USER root
RUN mkdir -p /opt/standard-parts && chown airflow:0 /opt/standard-parts
USER airflow
WORKDIR /opt/standard-parts

# 1. The dependencies (pyproject's list, pinned by constraints.txt, which also pins
#    apache-airflow==3.3.2 so the base image's Airflow is neither upgraded nor downgraded). This
#    slow layer is rebuilt only when pyproject.toml or constraints.txt change.
COPY --chown=airflow:0 pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && pip install --no-cache-dir --disable-pip-version-check -c constraints.txt -r requirements.txt

# 2. The package itself (non-editable; at run time compose mounts ./include over it on PYTHONPATH).
#    `pip check` fails the build on any broken requirement.
COPY --chown=airflow:0 include/ ./include/
RUN pip install --no-cache-dir --disable-pip-version-check --no-deps -c constraints.txt . \
    && pip check \
    && python -c "import standard_parts.cli"

WORKDIR /opt/airflow

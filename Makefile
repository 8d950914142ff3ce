PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test clean webchat e2e bench versus fleet profile teams-package

# The virtualenv is (re)built whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) app.py

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf $(VENV) data .pytest_cache

# The bot, a local Direct Line and Web Chat in your browser; installs the client
# pieces (npm) on first use and prints the URL to open.
webchat: $(STAMP)
	bash webchat/run.sh

# Three instances on one PostgreSQL database (DATABASE_URL) behind HAProxy on PORT, with one
# shared mock feed; installs HAProxy with apt-get when missing. Prints the URL and the token.
fleet: $(STAMP)
	bash fleet/run.sh

# Web Chat in headless Chromium through the user journeys; installs what is missing.
e2e: $(STAMP)
	bash e2e/run.sh

# artifacts/teams/pricewatch.zip for Teams, from the bot's settings, checked by Microsoft's validator.
teams-package: $(STAMP)
	$(PY) -m teamsapp

# Benchmarks (not part of `make test`): writes BENCHMARKS.md and prints the table.
bench: $(STAMP)
	$(PY) -m bench

# This code against round 3's start (bench/versus.py: BASE=rev for another), the same
# machine, in one run; writes BENCHMARKS-versus.md.
versus: $(STAMP)
	$(PY) -m bench.versus $(if $(BASE),--base $(BASE))

# Where an alert's CPU goes: py-spy on the app through a fan-out of 2000 conversations;
# writes artifacts/profile/fanout.svg (flame graph) and fanout.txt (shares by function).
profile: $(STAMP)
	$(PY) -m bench.profile

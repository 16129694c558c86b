# Two commands do all the set-up: `make run` and `make test`. Both create and reuse .venv/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false
export RAGAS_DO_NOT_TRACK := true

.PHONY: install run test lint ingest clean fuzz bench bench-quick eval eval-external wheel-check

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev,bench,eval]"
	@touch $(STAMP)

install: $(STAMP)

## run: install, ingest the bundled knowledge base if missing or stale, then `playbook serve` (HTTP API + console)
run: install
	$(VENV)/bin/playbook ingest
	$(VENV)/bin/playbook serve

ingest: install
	$(VENV)/bin/playbook ingest

## test: install and run the test suite
test: install
	$(PY) -m pytest -q

## fuzz: the HTTP API fuzz test (schemathesis) and the ingest-loader fuzz test (hypothesis: random and truncated
## files) with many more examples than the CI run, random rather than derandomized (not part of `make test`)
FUZZ_EXAMPLES ?= 300
LOADER_FUZZ_EXAMPLES ?= 3000
fuzz: install
	PLAYBOOK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/integrations/http/test_fuzz.py
	PLAYBOOK_FUZZ_EXAMPLES=$(LOADER_FUZZ_EXAMPLES) $(PY) -m pytest -q tests/ingest/test_loader_fuzz.py

## eval: the golden and drafting sets against the bundled playbook, gated on evals/baseline.json (see evals/README.md)
eval: install
	$(VENV)/bin/playbook ingest
	$(VENV)/bin/playbook eval --baseline evals/baseline.json $(ARGS)

## eval-external: both dev sets of ../shared/evaldata (doc2dial, OR-ShARC) ingested into cached data dirs, every
## question asked in process, BM25 and dense baselines beside each figure, and each set asked of the bundled
## playbook (must be refused); writes results.json + report.html under .playbook/eval-external/<time>/.
## Skips with a message where ../shared/evaldata is absent. ARGS="--limit 200" for a quick sample.
eval-external: install
	$(VENV)/bin/playbook eval-external $(ARGS)

## bench: ingest/ask speed against same-run floors, 1k/10k/100k chunks, HTTP load, embedding backends (< 20 min on 2 cores)
## writes bench/results/latest.json and latest.md; ARGS=--quick (or `make bench-quick`) for the < 3 min version
bench: install
	$(PY) -m bench.run $(ARGS)

bench-quick: install
	$(PY) -m bench.run --quick $(ARGS)

## lint: ruff, mypy, and deptry (every imported package is a declared dependency)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/deptry .

## wheel-check: build the wheel, install it into a fresh venv outside the checkout, run ingest/ask/draft from elsewhere
wheel-check:
	.ci/wheel-check $(PYTHON)

clean:
	rm -rf $(VENV) .playbook .pytest_cache

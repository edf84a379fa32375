# contract-review — two commands: `make run` (web app + API on 127.0.0.1:8000) and `make test`.
PY        ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
# Debian packages: OCR (tesseract + Vietnamese data), PDF rasterizing, fonts for rendering test PDFs,
# LibreOffice (checks that our DOCX opens), Chromium (browser test of the web page).
APT_RUN   := tesseract-ocr tesseract-ocr-vie poppler-utils fonts-dejavu-core
APT_TEST  := $(APT_RUN) libreoffice-writer-nogui chromium
HOST      ?= 127.0.0.1
PORT      ?= 8000

.PHONY: run test test-fast bench train setup system-run system-test wheel clean schema

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Install missing Debian packages (needs root or sudo; skipped with a warning otherwise).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi; \
	  if [ "$$SUDO" = none ] || ! command -v apt-get >/dev/null; then \
	    echo "warning: cannot install$$missing (no apt-get/root); related features and tests are limited"; \
	  else \
	    echo "installing$$missing"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  fi; \
	fi
endef

system-run:
	$(call apt_install,$(APT_RUN))

system-test:
	$(call apt_install,$(APT_TEST))

run: setup system-run
	$(BIN)/contract-review serve --host $(HOST) --port $(PORT)

test: setup system-test
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

test-fast: setup
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

bench: setup system-run
	$(BIN)/python benchmarks/run.py

train: setup
	$(BIN)/contract-review train

schema: setup
	$(BIN)/python -c "from contract_review.render.json_report import schema_json; open('docs/report.schema.json','w').write(schema_json())"

wheel: setup
	$(BIN)/python -m pip wheel --no-deps -w dist .

clean:
	rm -rf $(VENV) dist build *.egg-info .pytest_cache
